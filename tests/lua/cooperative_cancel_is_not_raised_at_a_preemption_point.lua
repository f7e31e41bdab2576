-- Preemption is not a suspension point: a task cancelled while it computes
-- keeps computing (no error at the preemption points), and gets `task
-- cancelled` at its next real suspension point.
-- Time slicing (--slice-ms) is what this is about.
-- args: --slice-ms 10
local task = std.task
local saw_cancel_while_busy, cancel_raised = false, nil
task.scope(function(s)
  s:spawn(function()
    -- Many slices; the scope is cancelled meanwhile (5 s of CPU at most).
    local give_up = os.clock() + 5
    while not task.current().cancelled and os.clock() < give_up do end
    saw_cancel_while_busy = task.current().cancelled
    local ok, err = pcall(task.checkpoint)
    cancel_raised = not ok and task.is_cancelled(err)
  end)
  task.sleep(50) -- runs only because the child is preempted
  s:cancel()
end)
assert(saw_cancel_while_busy, "the busy loop did not run on after the cancel")
assert(cancel_raised, "the next suspension point did not raise task cancelled")
print("ok")
