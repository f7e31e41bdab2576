-- W3 sleep_fanout: N tasks all started, each sleeps MS milliseconds then
-- returns; wait for all. The harness subtracts MS from the wall time.
-- Also reports the most tasks asleep at once: a task gets its thread when
-- it first runs, and sleepers whose time came run before the rest of a
-- turn, so with a short MS the first sleepers are done before the last
-- start (W3A, for the bytes each sleeping task costs, sleeps long enough).
--   lua-batteries w3_sleep_fanout.lua N [MS=50]
local task, time = std.task, std.time
local n = assert(tonumber(arg[1]), "usage: w3_sleep_fanout.lua N [MS]")
local ms = tonumber(arg[2]) or 50

local sleep = task.sleep
local asleep, most_asleep = 0, 0
local function sleeper()
  asleep = asleep + 1
  if asleep > most_asleep then most_asleep = asleep end
  sleep(ms)
  asleep = asleep - 1
end

local start = time.monotonic()
task.scope(function(scope)
  for _ = 1, n do scope:spawn(sleeper) end
end)
local seconds = time.monotonic() - start
print(string.format("RESULT seconds=%.9f asleep_max=%d", seconds, most_asleep))
