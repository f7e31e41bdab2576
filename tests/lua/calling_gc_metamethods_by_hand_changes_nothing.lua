-- __gc metamethods called through debug.getmetatable (not by the collector)
-- leave the objects working: only Lua's collector may destroy them. Handles
-- and scopes have none: a finished task and a closed scope own nothing a
-- finalizer would have to free.
local task = std.task
local tok = task.cancel_token()
debug.getmetatable(tok).__gc(tok)
debug.getmetatable(tok).__gc(tok)
tok:cancel()
assert(tok:is_cancelled())
local h = task.spawn(function() task.sleep(5); return "alive" end)
assert(debug.getmetatable(h).__gc == nil)
assert(h:join() == "alive")
local saved
task.scope(function(s)
  saved = s
  assert(debug.getmetatable(s).__gc == nil)
  local scope_token = s:token()
  debug.getmetatable(scope_token).__gc(scope_token)
  s:spawn(function() task.sleep(1) end)
  assert(not s:token():is_cancelled())
end)
assert(saved:token())
collectgarbage(); collectgarbage()
print("ok")
