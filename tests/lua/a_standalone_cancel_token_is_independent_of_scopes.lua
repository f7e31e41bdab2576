-- cancel_token() makes a root of its own: scope cancellation does not touch
-- it, and cancelling it does not touch any scope.
local task = std.task
local standalone
task.scope(function(s)
  standalone = task.cancel_token()
  s:cancel()
  assert(s:token():is_cancelled())
  assert(not standalone:is_cancelled(), "a standalone token followed the scope")
  standalone:check() -- does not raise
end)
-- created inside a cancelled task, still independent
local h = task.spawn(function()
  local ok = pcall(task.scope, function(s)
    s:cancel()
    local t = task.cancel_token()
    assert(not t:is_cancelled())
    t:check()
    task.yield() -- the scope's own cancellation raises here
  end)
  assert(not ok)
  return "done"
end)
assert(h:join() == "done")
-- cancelling the token leaves the code around it alone
local other = task.cancel_token()
local ran = task.scope(function(s)
  other:cancel()
  assert(not s:token():is_cancelled())
  task.sleep(1)
  task.yield()
  task.checkpoint()
  return "not cancelled"
end)
assert(ran == "not cancelled")
assert(task.current() == nil)
task.sleep(1)
-- two tokens do not affect each other
local a, b = task.cancel_token(), task.cancel_token()
a:cancel()
assert(a:is_cancelled() and not b:is_cancelled())
assert(not rawequal(a, b))
print("ok")
