-- Preemption is not a suspension point: a task cancelled while it computes
-- keeps computing (no error at the preemption points), and gets `task
-- cancelled` at its next real suspension point.
local task = std.task
local monotonic = std.time.monotonic
local finished_loop, cancel_seen = false, nil
task.scope(function(s)
  s:spawn(function()
    local t0 = monotonic()
    while monotonic() - t0 < 0.3 do end -- many slices; cancelled meanwhile
    finished_loop = true
    local ok, err = pcall(task.checkpoint)
    cancel_seen = not ok and task.is_cancelled(err)
  end)
  task.sleep(50) -- runs only because the child is preempted
  s:cancel()
end)
assert(finished_loop, "the busy loop was interrupted")
assert(cancel_seen, "the next suspension point did not raise task cancelled")
print("ok")
