-- Nested scopes with children, a named scope, a failing child that
-- fails the body, which cancels the rest.
local task = std.task
local total = task.scope("outer", function(outer)
  local h = outer:spawn(function() task.yield(); return 1 end)
  local inner = task.scope(function(s)
    s:spawn(function() task.yield() end)
    return 2
  end)
  return h:join() + inner
end)
assert(total == 3)
local ok, err = pcall(task.scope, function(s)
  s:spawn(function() task.sleep(1000) end)
  local failing = s:spawn(function() task.yield(); error("child failed") end)
  failing:join()  -- re-raises: the body fails, the scope cancels the sleeper
end)
assert(not ok)
