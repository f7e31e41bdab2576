-- args: --virtual-time
-- task.scope(fn, { token = t }): cancelling t cancels the scope (the scope
-- stays a child of the caller's token too); cancelling the scope does not
-- cancel t; a token cancelled already cancels the scope from the start.
local task = std.task

local t0 = std.time.monotonic()
local t = task.cancel_token()
task.spawn(function() task.sleep(10); t:cancel() end)
local ok, err = pcall(task.scope, function(s)
  s:spawn(function() task.sleep(1000) end)
  task.sleep(1000)
end, { token = t })
assert(not ok and task.is_cancelled(err), tostring(err))
assert(math.floor((std.time.monotonic() - t0) * 1000 + 0.5) == 10, "cancelled when the token was")

-- the scope's own cancel leaves the linked token alone
local u = task.cancel_token()
ok, err = pcall(task.scope, function(s)
  s:cancel()
  task.sleep(1)
end, { token = u })
assert(not ok and task.is_cancelled(err))
assert(not u:is_cancelled(), "cancelling the scope did not cancel the linked token")

-- still a child of the caller's token
local inner_cancelled = false
task.scope(function(outer)
  outer:spawn(function()
    local ok2, e2 = pcall(task.scope, function() task.sleep(1000) end, { token = task.cancel_token() })
    inner_cancelled = not ok2 and task.is_cancelled(e2)
  end)
  task.sleep(1)
  outer:cancel()
end)
assert(inner_cancelled, "the caller's cancel reached the linked scope")

-- an already cancelled token: cancelled from the start
local v = task.cancel_token()
v:cancel()
ok, err = pcall(task.scope, function() task.checkpoint() end, { token = v })
assert(not ok and task.is_cancelled(err))

-- the link does not outlive the scope: a later cancel reaches nothing
local w = task.cancel_token()
local sc
task.scope(function(s) sc = s end, { token = w })
w:cancel()
assert(not sc:token():is_cancelled())
print("ok")
