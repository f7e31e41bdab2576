-- W9 limited_fanout: N tasks and a semaphore of 100; each acquires a
-- permit, yields once and releases it.
--   lua-batteries w9_limited_fanout.lua N
local task, time = std.task, std.time
local n = assert(tonumber(arg[1]), "usage: w9_limited_fanout.lua N")

local sem = task.semaphore(100)
local yield = task.yield
local function limited()
  local permit <close> = sem:acquire()
  yield()
end

local start = time.monotonic()
task.scope(function(scope)
  for _ = 1, n do scope:spawn(limited) end
end)
local seconds = time.monotonic() - start
assert(sem:available() == 100)
print(string.format("RESULT seconds=%.9f", seconds))
