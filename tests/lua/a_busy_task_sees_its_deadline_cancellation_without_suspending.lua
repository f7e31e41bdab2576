-- By default a deadline that passes while a task is busy records its
-- cancellation at once: the busy code sees current().cancelled turn true
-- without suspending, keeps running (cancellation is cooperative), and its
-- next suspension point raises task cancelled.
local task = std.task
local saw, raised = false, false
local ok, err = task.spawn(function() return pcall(task.with_timeout, 30, function()
  local give_up = os.clock() + 5
  while not task.current().cancelled and os.clock() < give_up do end
  saw = task.current().cancelled
  local ok2, err2 = pcall(task.checkpoint)
  raised = not ok2 and task.is_cancelled(err2)
end, { grace_ms = 5000 }) end):join()
assert(not ok and tostring(err) == "task.with_timeout: exceeded 30 ms", tostring(err))
assert(saw, "the busy body never saw its cancellation")
assert(raised, "the next suspension point did not raise task cancelled")
print("ok")
