-- args: --virtual-time
-- Cancellation goes down the tree, never up: cancelling a nested scope
-- leaves its parent scope, its siblings and the caller untouched.
local task = std.task
local sibling_done = false
local result = task.scope("outer", function(outer)
  outer:spawn(function() task.sleep(30); sibling_done = true end)
  local ok, err = pcall(task.scope, "inner", function(inner)
    inner:spawn(function() task.sleep(100000) end)
    inner:cancel()
    task.sleep(100000)
  end)
  assert(not ok and task.is_cancelled(err), tostring(err))
  assert(not outer:token():is_cancelled(), "the parent token was cancelled")
  task.sleep(1) -- the outer body can still suspend
  return "outer finished"
end)
assert(result == "outer finished")
assert(sibling_done, "a sibling task was disturbed")
print("ok")
