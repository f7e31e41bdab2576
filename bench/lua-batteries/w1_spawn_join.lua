-- W1 spawn_join: in one scope, spawn N tasks that return at once, each a
-- fresh closure as scripts write them, then wait for all of them (the
-- scope drains).
--   lua-batteries w1_spawn_join.lua N
local task, time = std.task, std.time
local n = assert(tonumber(arg[1]), "usage: w1_spawn_join.lua N")

local start = time.monotonic()
task.scope(function(scope)
  for i = 1, n do scope:spawn(function() return i end) end
end)
local seconds = time.monotonic() - start
print(string.format("RESULT seconds=%.9f", seconds))
