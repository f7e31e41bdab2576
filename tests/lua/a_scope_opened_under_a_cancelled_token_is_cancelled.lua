-- A scope opened where the effective token is already cancelled gets a
-- cancelled token; waiting in it raises "task cancelled" promptly, even
-- with_timeout raises a cancellation rather than "exceeded".
local task = std.task
task.scope(function(s)
  s:cancel()
  local inner_token
  local ok, err = pcall(task.scope, function(inner)
    inner_token = inner:token()
    task.sleep(100000)
  end)
  assert(not ok and task.is_cancelled(err), tostring(err))
  assert(inner_token and inner_token:is_cancelled(), "the child token must start cancelled")
  local t0 = std.time.monotonic()
  ok, err = pcall(task.with_timeout, 100000, function() task.sleep(100000) end)
  assert(not ok and task.is_cancelled(err), "with_timeout under a cancelled token: " .. tostring(err))
  assert(std.time.monotonic() - t0 < 2, "with_timeout did not stop promptly")
end)
print("ok")
