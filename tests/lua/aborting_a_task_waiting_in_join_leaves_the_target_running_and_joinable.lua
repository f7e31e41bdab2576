-- args: --virtual-time
-- Aborting a task that waits in join stops the waiter only: the target
-- keeps running and can be joined by someone else.
local task = std.task
local closed = 0
local target = task.spawn(function() task.sleep(60); return "target done" end)
local waiter = task.spawn(function()
  local g <close> = setmetatable({}, { __close = function() closed = closed + 1 end })
  local v = target:join()
  error("the waiter must not get past join: " .. tostring(v))
end)
task.sleep(10)
waiter:abort()
local ok, err = pcall(function() return waiter:join() end)
assert(not ok and tostring(err) == "task aborted", tostring(err))
assert(closed == 1, "the waiter's __close ran " .. closed .. " times")
assert(not target:is_finished(), "the target was disturbed")
assert(target:join() == "target done", "the target must stay joinable")
print("ok")
