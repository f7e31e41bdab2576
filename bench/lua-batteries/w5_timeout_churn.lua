-- W5 timeout_churn: N sequential with_timeout(1000 ms, fn) calls where fn
-- returns at once.
--   lua-batteries w5_timeout_churn.lua N
local task, time = std.task, std.time
local n = assert(tonumber(arg[1]), "usage: w5_timeout_churn.lua N")

local with_timeout = task.with_timeout
local function nothing() end

local start = time.monotonic()
for _ = 1, n do with_timeout(1000, nothing) end
local seconds = time.monotonic() - start
print(string.format("RESULT seconds=%.9f", seconds))
