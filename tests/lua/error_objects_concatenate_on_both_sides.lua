-- Error objects concatenate with strings on either side and with numbers,
-- and work with string.format("%s") and error-message idioms.
local task = std.task
local tok = task.cancel_token()
tok:cancel()
local _, cancelled = pcall(function() tok:check() end)
local _, timeout = pcall(task.with_timeout, 5, function() task.sleep(10000) end)
assert(("left: " .. cancelled) == "left: task cancelled", "string .. err")
assert((cancelled .. " :right") == "task cancelled :right", "err .. string")
assert(("[" .. cancelled .. "]") == "[task cancelled]", "both sides")
assert((1 .. cancelled) == "1task cancelled", "number .. err")
assert((cancelled .. 2) == "task cancelled2", "err .. number")
assert(("x" .. timeout .. "y") == "xtask.with_timeout: exceeded 5 ms" .. "y")
assert((cancelled .. timeout) == "task cancelledtask.with_timeout: exceeded 5 ms", "err .. err")
assert(("%s!"):format(cancelled) == "task cancelled!", "string.format %s")
assert(table.concat({ tostring(cancelled), tostring(timeout) }, ";") == "task cancelled;task.with_timeout: exceeded 5 ms")
print("ok")
