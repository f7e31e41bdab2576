-- W6 nested_scopes: REPS times, recurse DEPTH scopes deep; each scope
-- spawns one child that yields once and returns.
--   lua-batteries w6_nested_scopes.lua REPS DEPTH
local task, time = std.task, std.time
local reps = assert(tonumber(arg[1]), "usage: w6_nested_scopes.lua REPS DEPTH")
local depth = assert(tonumber(arg[2]), "usage: w6_nested_scopes.lua REPS DEPTH")

local function child() task.yield() end

local function nest(level)
  if level == 0 then return end
  task.scope(function(scope)
    scope:spawn(child)
    nest(level - 1)
  end)
end

local start = time.monotonic()
for _ = 1, reps do nest(depth) end
local seconds = time.monotonic() - start
print(string.format("RESULT seconds=%.9f", seconds))
