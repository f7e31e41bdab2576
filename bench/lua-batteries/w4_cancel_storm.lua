-- W4 cancel_storm: N tasks in one scope, each sleeps an hour; once all
-- are asleep, cancel the scope. Timed from cancel() to the scope's exit.
--   lua-batteries w4_cancel_storm.lua N
local task, time = std.task, std.time
local n = assert(tonumber(arg[1]), "usage: w4_cancel_storm.lua N")

local sleep = task.sleep
local function sleeper() sleep(3600000) end

local cancelled_at
task.scope(function(scope)
  for _ = 1, n do scope:spawn(sleeper) end
  task.yield()  -- every task has started and is asleep
  cancelled_at = time.monotonic()
  scope:cancel()
end)
local seconds = time.monotonic() - cancelled_at
print(string.format("RESULT seconds=%.9f", seconds))
