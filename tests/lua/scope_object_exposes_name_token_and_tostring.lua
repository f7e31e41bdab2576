-- The scope argument: .name (nil when unnamed, also for with_timeout),
-- :token() always the same CancelToken, tostring showing the name.
local task = std.task
task.scope("reports", function(s)
  assert(s.name == "reports")
  assert(tostring(s):find("reports", 1, true), "tostring(scope) lacks the name: " .. tostring(s))
  local t = s:token()
  assert(rawequal(t, s:token()), "token() must return the same object")
  for _, m in ipairs({ "cancel", "is_cancelled", "check" }) do
    assert(type(t[m]) == "function", "token lacks " .. m)
  end
  assert(t:is_cancelled() == false)
  t:check()
  -- cancelling through the token is cancelling the scope
  t:cancel()
  local ok, err = pcall(task.yield)
  assert(not ok and task.is_cancelled(err), "the body did not see its token cancelled")
end)
task.scope(function(s)
  assert(s.name == nil)
  assert(type(tostring(s)) == "string")
end)
task.with_timeout(1000, function(s)
  assert(s.name == nil, "a with_timeout scope is unnamed")
  assert(rawequal(s:token(), s:token()))
  assert(type(s.spawn) == "function" and type(s.cancel) == "function")
end)
-- the token of a scope is distinct from the tokens of other scopes
local t1, t2
task.scope(function(a) t1 = a:token(); task.scope(function(b) t2 = b:token() end) end)
assert(not rawequal(t1, t2))
print("ok")
