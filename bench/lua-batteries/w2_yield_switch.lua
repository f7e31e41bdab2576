-- W2 yield_switch: two tasks, each calls task.yield() N times, so the
-- scheduler switches 2N times.
--   lua-batteries w2_yield_switch.lua N
local task, time = std.task, std.time
local n = assert(tonumber(arg[1]), "usage: w2_yield_switch.lua N")

local yield = task.yield
local function yielder()
  for _ = 1, n do yield() end
end

local start = time.monotonic()
task.scope(function(scope)
  scope:spawn(yielder)
  scope:spawn(yielder)
end)
local seconds = time.monotonic() - start
print(string.format("RESULT seconds=%.9f", seconds))
