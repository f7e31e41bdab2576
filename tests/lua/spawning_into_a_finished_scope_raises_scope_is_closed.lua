-- args: --virtual-time
-- A scope that has ended (normally, by error, or a with_timeout scope)
-- accepts no new tasks, whoever calls Scope:spawn.
local task = std.task
local want = "std.task: scope is closed"
local function expect_closed(s)
  local ran = false
  local ok, err = pcall(function() return s:spawn(function() ran = true end) end)
  assert(not ok and tostring(err):find(want, 1, true), tostring(err))
  task.sleep(1)
  assert(not ran, "a task spawned into a closed scope ran")
end
local plain
task.scope(function(s) plain = s end)
expect_closed(plain)
local failed
pcall(task.scope, function(s) failed = s; error("body fails") end)
expect_closed(failed)
local timed
task.with_timeout(1000, function(s) timed = s end)
expect_closed(timed)
local expired
pcall(task.with_timeout, 5, function(s) expired = s; task.sleep(10000) end, { grace_ms = 0 })
expect_closed(expired)
-- from inside another task
local h = task.spawn(function()
  local ok, err = pcall(function() return plain:spawn(function() end) end)
  return ok, tostring(err)
end)
local ok, msg = h:join()
assert(ok == false and msg:find(want, 1, true), msg)
-- a scope opened inside a task, saved, and used after it ended
local inner = task.spawn(function()
  local saved
  task.scope(function(s) saved = s; s:spawn(function() task.sleep(5) end) end)
  return saved
end):join()
expect_closed(inner)
print("ok")
