-- Preemption applies to the main chunk too: while it spins, a task's
-- sleep ends and the task runs.
-- Time slicing (--slice-ms) is what this is about.
-- args: --slice-ms 10
local task = std.task
local monotonic = std.time.monotonic
local woke_at
task.spawn(function()
  task.sleep(20)
  woke_at = monotonic()
end)
local start = monotonic()
local give_up = start + 5
while not woke_at and monotonic() < give_up do end
assert(woke_at, "the task's timer did not fire while the main chunk was busy")
assert(woke_at - start < 1, ("the task woke after %.3f s"):format(woke_at - start))
print("ok")
