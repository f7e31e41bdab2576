-- args: --virtual-time
-- token:child() is cancelled with its parent (at once if the parent is),
-- never the other way round; token:wait() returns once the token is
-- cancelled (at once if it is) and, as a suspension point, raises task
-- cancelled when the waiter's own token is cancelled first. A scope's
-- token works with both.
local task = std.task
local t0 = std.time.monotonic()
local function now() return math.floor((std.time.monotonic() - t0) * 1000 + 0.5) end
local parent = task.cancel_token()
local child = parent:child()
local grandchild = child:child()
child:cancel()
assert(child:is_cancelled() and grandchild:is_cancelled() and not parent:is_cancelled())
local other = parent:child()
task.spawn(function() task.sleep(15); parent:cancel() end)
other:wait()
assert(now() == 15 and other:is_cancelled() and parent:child():is_cancelled())
other:wait()  -- at once
assert(now() == 15)

-- the waiter's own cancel
local outcome
task.scope(function(s)
  s:spawn(function()
    local ok, err = pcall(task.cancel_token().wait, task.cancel_token())
    outcome = not ok and task.is_cancelled(err)
  end)
  task.sleep(1)
  s:cancel()
end)
assert(outcome)

-- a scope's token
local c
local waiter = task.spawn(function() task.sleep(1); c:wait(); return now() end)
task.scope(function(s)
  c = s:token():child()
  s:spawn(function() pcall(task.sleep, 1000) end)
  task.sleep(5)
  s:cancel()
end)
assert(waiter:join() == 21)
local ok, err = pcall(function() local t = task.cancel_token(); t.child({}) end)
assert(not ok and tostring(err):find("bad argument #1 to 'child' (std.task.CancelToken expected, got table)", 1, true), tostring(err))
print("ok")
