-- W3 sleep_fanout: N tasks all started, each sleeps MS milliseconds then
-- returns; wait for all. The harness subtracts MS from the wall time.
--   lua-batteries w3_sleep_fanout.lua N [MS=50]
local task, time = std.task, std.time
local n = assert(tonumber(arg[1]), "usage: w3_sleep_fanout.lua N [MS]")
local ms = tonumber(arg[2]) or 50

local sleep = task.sleep
local function sleeper() sleep(ms) end

local start = time.monotonic()
task.scope(function(scope)
  for _ = 1, n do scope:spawn(sleeper) end
end)
local seconds = time.monotonic() - start
print(string.format("RESULT seconds=%.9f", seconds))
