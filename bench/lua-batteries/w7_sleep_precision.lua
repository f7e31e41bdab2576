-- W7 sleep_precision: N tasks each sleep a pseudo-random 1..100 ms (the
-- MINSTD generator every implementation uses, seed 42); lateness = actual
-- wake - asked-for wake. Prints p50/p99/max lateness in milliseconds.
--   lua-batteries w7_sleep_precision.lua N
local task, time = std.task, std.time
local n = assert(tonumber(arg[1]), "usage: w7_sleep_precision.lua N")

local seed = 42
local function next_delay_ms()
  seed = seed * 48271 % 2147483647
  return 1 + seed % 100
end

local lateness_ms = {}
local start = time.monotonic()
task.scope(function(scope)
  for i = 1, n do
    local delay = next_delay_ms()
    scope:spawn(function()
      local asked = time.monotonic() + delay / 1000
      task.sleep(delay)
      lateness_ms[i] = (time.monotonic() - asked) * 1000
    end)
  end
end)
local seconds = time.monotonic() - start

table.sort(lateness_ms)
local function percentile(q) return lateness_ms[math.max(1, math.ceil(q * n))] end
print(string.format("RESULT seconds=%.9f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f",
  seconds, percentile(0.50), percentile(0.99), lateness_ms[n]))
