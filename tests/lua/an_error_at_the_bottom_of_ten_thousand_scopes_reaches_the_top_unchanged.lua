-- An error raised 10 000 scopes deep travels up through every scope as the
-- same value, running each level's __close handler once on the way.
local task = std.task
local DEPTH = 10000
local closed = 0
local e = { "from the bottom" }
local function nest(level)
  local g <close> = setmetatable({}, { __close = function() closed = closed + 1 end })
  if level == DEPTH then
    task.yield()
    error(e)
  end
  task.scope(function() nest(level + 1) end)
  error("unreachable at level " .. level)
end
local ok, err = pcall(nest, 1)
assert(not ok and rawequal(err, e), "got " .. tostring(err))
assert(closed == DEPTH, "closed " .. closed .. " of " .. DEPTH)
print("ok")
