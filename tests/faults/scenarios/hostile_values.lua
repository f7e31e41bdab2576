-- Error values whose __tostring raises, through join, an unobserved
-- failure, and a __close handler raising one during an abort.
local task = std.task
local function hostile() return setmetatable({}, { __tostring = function() error("no text") end }) end
local h = task.spawn(function() error(hostile()) end)
assert(not pcall(h.join, h))
task.spawn(function() error(hostile()) end)
local victim = task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function() error(hostile()) end })
  task.sleep(1000)
end)
task.yield()
victim:abort()
task.scope(function(s) s:spawn(function() error(hostile()) end) end)
