-- args: --virtual-time
-- grace_ms = 0: at the deadline nothing in the scope runs again except
-- __close handlers, in the body, in children, in their user coroutines.
local task = std.task
local after, closed = {}, {}
local function guard(name)
  return setmetatable({}, { __close = function() closed[#closed + 1] = name end })
end
local child
local ok, err = pcall(task.with_timeout, 20, function(s)
  local b <close> = guard("body")
  child = s:spawn(function()
    local c <close> = guard("child")
    local gen = coroutine.wrap(function()
      local g <close> = guard("child coroutine")
      pcall(task.sleep, 100000)
      after[#after + 1] = "child coroutine"
    end)
    gen()
    after[#after + 1] = "child"
  end)
  pcall(task.sleep, 100000)
  after[#after + 1] = "body"
end, { grace_ms = 0 })
assert(not ok and tostring(err) == "task.with_timeout: exceeded 20 ms", tostring(err))
assert(#after == 0, "code ran after the deadline: " .. table.concat(after, ","))
table.sort(closed)
assert(table.concat(closed, ",") == "body,child,child coroutine", table.concat(closed, ","))
local cok, cerr = pcall(function() return child:join() end)
assert(not cok and tostring(cerr) == "task aborted", tostring(cerr))
task.sleep(5)
assert(#after == 0 and #closed == 3)
print("ok")
