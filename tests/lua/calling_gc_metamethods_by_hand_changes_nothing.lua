-- __gc metamethods called through debug.getmetatable (not by the collector)
-- leave the objects working: only Lua's collector may destroy them. Handles
-- and scopes need none (a finished task and a closed scope own nothing a
-- finalizer would have to free); debug builds give them one that checks
-- exactly that, and it too ignores a call by hand.
local task = std.task
local tok = task.cancel_token()
debug.getmetatable(tok).__gc(tok)
debug.getmetatable(tok).__gc(tok)
tok:cancel()
assert(tok:is_cancelled())
local h = task.spawn(function() task.sleep(5); return "alive" end)
local handle_gc = debug.getmetatable(h).__gc
if handle_gc then handle_gc(h) end
assert(h:join() == "alive")
if handle_gc then handle_gc(h) end
local saved
task.scope(function(s)
  saved = s
  local scope_gc = debug.getmetatable(s).__gc
  if scope_gc then scope_gc(s) end
  local scope_token = s:token()
  debug.getmetatable(scope_token).__gc(scope_token)
  s:spawn(function() task.sleep(1) end)
  assert(not s:token():is_cancelled())
end)
assert(saved:token())
collectgarbage(); collectgarbage()
print("ok")
