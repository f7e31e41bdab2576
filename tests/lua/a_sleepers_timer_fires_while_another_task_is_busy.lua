-- Preemption: a task that computes for seconds does not hold up a sleeping
-- task's timer by more than about a slice (10 ms). The bound here is
-- generous (a loaded machine gives this process a fraction of a CPU), and
-- far below the busy task's 5 s.
-- Time slicing (--slice-ms) is what this is about.
-- args: --slice-ms 10
local task = std.task
local monotonic = std.time.monotonic
local stop = false
local busy = task.spawn(function()
  local give_up = monotonic() + 5
  while not stop and monotonic() < give_up do end
end)
local worst_late = 0
for _ = 1, 10 do
  local t0 = monotonic()
  task.sleep(20)
  worst_late = math.max(worst_late, (monotonic() - t0) * 1000 - 20)
end
stop = true
busy:join()
assert(worst_late < 1000, ("a 20 ms sleep ended %.0f ms late"):format(worst_late))
print("ok")
