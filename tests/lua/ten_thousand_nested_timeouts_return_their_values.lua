-- with_timeout scopes nest 10 000 deep as well; every deadline is far away
-- and every level gets the value of the level below.
local task = std.task
local DEPTH = 10000
local function nest(level)
  if level == DEPTH then
    task.sleep(1)
    return level
  end
  local got = task.with_timeout(600000, function() return nest(level + 1) end)
  assert(got == level + 1, ("level %d got %s"):format(level, tostring(got)))
  return level
end
assert(nest(1) == 1)
assert(task.spawn(function() return nest(1) end):join() == 1)
print("ok")
