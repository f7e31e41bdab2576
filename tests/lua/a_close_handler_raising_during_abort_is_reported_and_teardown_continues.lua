-- expect-stderr: warning: __close handler failed during abort of task t1 (victim): close handler failed
-- A __close handler that raises during a hard abort is reported to the
-- observer (the runner prints a warning), the other handlers still run,
-- and so does a handler whose error cannot even be converted to text.
local task = std.task
local ran = {}
local h = task.spawn(function()
  local a <close> = setmetatable({}, { __close = function() ran[#ran + 1] = "a" end })
  local b <close> = setmetatable({}, { __close = function()
    ran[#ran + 1] = "b"
    error(setmetatable({}, { __tostring = function() error("no text") end }))
  end })
  local c <close> = setmetatable({}, { __close = function()
    ran[#ran + 1] = "c"
    error("close handler failed", 0)
  end })
  task.sleep(100000)
end, { name = "victim" })
task.yield()
h:abort()
assert(table.concat(ran, ",") == "c,b,a", table.concat(ran, ","))
local ok, err = pcall(h.join, h)
assert(not ok and err.kind == "aborted")
assert(task.spawn(function() return "still works" end):join() == "still works")
print("ok")
