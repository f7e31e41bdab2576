-- Hard aborts of a sleeping task with pending __close handlers, one of
-- which raises, and of a task waiting in a scope.
local task = std.task
local closed = 0
local function closer(raise)
  return setmetatable({}, { __close = function()
    closed = closed + 1
    if raise then error("close failed") end
  end })
end
local h = task.spawn(function()
  local a <close> = closer(false)
  local b <close> = closer(true)
  task.sleep(1000)
end)
local waiting = task.spawn(function()
  local c <close> = closer(false)
  task.scope(function(s)
    s:spawn(function() local d <close> = closer(false); task.sleep(1000) end)
    task.sleep(1000)
  end)
end)
task.yield()
task.yield()
h:abort()
waiting:abort()
assert(not pcall(h.join, h))
assert(not pcall(waiting.join, waiting))
