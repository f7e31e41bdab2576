-- W1S spawn_join_shared: W1 with one function shared by every task (what
-- W1 measured before it spawned a fresh closure per task): in one scope,
-- spawn N tasks that return at once, then
-- wait for all of them (the scope drains).
--   lua-batteries w1s_spawn_join_shared.lua N
local task, time = std.task, std.time
local n = assert(tonumber(arg[1]), "usage: w1s_spawn_join_shared.lua N")

local function nothing() end

local start = time.monotonic()
task.scope(function(scope)
  for _ = 1, n do scope:spawn(nothing) end
end)
local seconds = time.monotonic() - start
print(string.format("RESULT seconds=%.9f", seconds))
