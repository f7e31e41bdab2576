-- __gc metamethods called through debug.getmetatable (not by the collector)
-- leave the objects working: only Lua's collector may destroy them. A
-- handle has none: its task needs no finalizer.
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
  debug.getmetatable(s).__gc(s)
  s:spawn(function() task.sleep(1) end)
  assert(not s:token():is_cancelled())
end)
debug.getmetatable(saved).__gc(saved)
assert(saved:token())
collectgarbage(); collectgarbage()
print("ok")
