-- args: --virtual-time
-- A task waiting in join is woken by its scope's cancellation before the
-- target finishes; the target's handle can still be joined afterwards.
local task = std.task
local target = task.spawn(function() task.sleep(150); return "target", "values" end)
local waiter_saw, target_done_then
task.scope(function(s)
  s:spawn(function()
    local ok, err = pcall(function() return target:join() end)
    waiter_saw = (not ok) and err or "joined"
    target_done_then = target:is_finished()
  end)
  task.sleep(10)
  s:cancel()
end)
assert(task.is_cancelled(waiter_saw), "the waiter got: " .. tostring(waiter_saw))
assert(target_done_then == false, "the waiter was only woken when the target finished")
local a, b = target:join()
assert(a == "target" and b == "values", "the handle must stay joinable: " .. tostring(a))
-- a waiter cancelled twice in a row, then joining successfully from a new task
local slow = task.spawn(function() task.sleep(60); return 5 end)
for _ = 1, 2 do
  task.scope(function(s)
    s:spawn(function() pcall(function() return slow:join() end) end)
    task.yield()
    s:cancel()
  end)
end
assert(task.spawn(function() return slow:join() end):join() == 5)
print("ok")
