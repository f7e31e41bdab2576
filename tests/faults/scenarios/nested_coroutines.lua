-- Task suspension passing through the script's own coroutines, a wrapped
-- generator, and an abort of a task suspended inside two coroutines.
local task = std.task
local gen = coroutine.wrap(function()
  for i = 1, 3 do task.yield(); coroutine.yield(i) end
end)
local sum = 0
for _ = 1, 3 do sum = sum + gen() end
assert(sum == 6)
local h = task.spawn(function()
  local co = coroutine.create(function()
    local inner = coroutine.create(function()
      local x <close> = setmetatable({}, { __close = function() end })
      task.sleep(1000)
    end)
    coroutine.resume(inner)
  end)
  coroutine.resume(co)
end, { driver = "coroutine" })
task.yield()
h:abort()
local c = task.spawn(function() coroutine.yield(); return "co" end, { driver = "coroutine" })
assert(c:join() == "co")
