-- A sleeper wakes as soon as its deadline passes, even while other tasks
-- keep the loop busy between their suspension points: the scheduler looks
-- at the clock after every resume, not after a batch of them. Measured in
-- turns of a busy task (each spends 0.5 ms of wall-clock time), so the
-- check does not depend on the machine's speed.
local task = std.task
local function busy(ms)
  local stop = std.time.monotonic() + ms / 1000
  while std.time.monotonic() < stop do end
end
local spins, stop = 0, false
local spinner = task.spawn(function()
  while not stop do
    busy(0.5)
    spins = spins + 1
    task.yield()
  end
end)
task.yield()
for _ = 1, 5 do
  local before = spins
  task.sleep(5)
  local during = spins - before
  -- 5 ms hold about 10 spins of 0.5 ms; a scheduler that checks its timers
  -- only every 64 resumes lets about 64 go by.
  assert(during <= 25, ("sleep(5) woke after %d busy turns of 0.5 ms"):format(during))
end
stop = true
spinner:join()
-- the same for a with_timeout deadline around a cooperative busy body
local turns = 0
local ok, err = pcall(task.with_timeout, 5, function()
  while true do
    busy(0.5)
    turns = turns + 1
    task.yield()
  end
end)
assert(not ok and tostring(err) == "task.with_timeout: exceeded 5 ms", tostring(err))
assert(turns <= 25, ("the deadline let %d busy turns of 0.5 ms go by"):format(turns))
print("ok")
