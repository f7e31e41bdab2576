-- Scopes nest 10 000 deep (recursion inside scope bodies), from the main
-- chunk and from a task: nesting is bounded by memory, not the C stack.
-- Every level checks the value the level below returned.
local task = std.task
local DEPTH = 10000
local function nest(level, expect_task)
  if level == DEPTH then
    task.yield() -- suspend at the bottom
    local cur = task.current()
    assert((cur and cur.id) == expect_task, "current() at the bottom: " .. tostring(cur and cur.id))
    return level * 2
  end
  local got, tag = task.scope(function(s)
    if level % 1000 == 0 then
      s:spawn(function() task.yield(); return level end) -- a child every 1000 levels
    end
    return nest(level + 1, expect_task)
  end)
  assert(got == (level + 1) * 2, ("level %d got %s"):format(level, tostring(got)))
  assert(tag == "level " .. (level + 1) or level + 1 == DEPTH, ("level %d got tag %s"):format(level, tostring(tag)))
  return level * 2, "level " .. level
end
assert(nest(1, nil) == 2)
local h = task.spawn(function() return nest(1, task.current().id) end)
local v, tag = h:join()
assert(v == 2 and tag == "level 1", tostring(v) .. " " .. tostring(tag))
print("ok")
