-- A handle delivers its result once: a second join, and a join while
-- another join is waiting, raise "task already joined".
local task = std.task
local function expect_joined(fn)
  local ok, err = pcall(fn)
  assert(not ok, "expected task already joined")
  assert(tostring(err) == "task already joined", tostring(err))
  assert(err.kind == "joined", tostring(err.kind))
end
-- second join after a successful one
local h = task.spawn(function() return "once" end)
assert(h:join() == "once")
expect_joined(function() return h:join() end)
expect_joined(function() return h:join() end)
-- a join while another task's join waits: the waiting joiner still gets the values
local release = false
local target = task.spawn(function()
  while not release do task.yield() end
  return "late", 2
end)
local first = task.spawn(function() return target:join() end)
task.yield() -- runnable tasks run in order: first is now waiting in join
assert(not first:is_finished() and not target:is_finished())
expect_joined(function() return target:join() end)
local second = task.spawn(function()
  local ok, err = pcall(function() return target:join() end)
  return ok, tostring(err)
end)
local ok, msg = second:join()
assert(ok == false and msg == "task already joined", tostring(msg))
release = true
local v, n = first:join()
assert(v == "late" and n == 2, "the first joiner must get the values: " .. tostring(v))
expect_joined(function() return target:join() end)
-- joining from inside a task after the main chunk joined
local j = task.spawn(function() return 1 end)
j:join()
local k = task.spawn(function()
  local ok2, err2 = pcall(function() return j:join() end)
  return ok2, tostring(err2)
end)
local ok2, msg2 = k:join()
assert(ok2 == false and msg2 == "task already joined", tostring(msg2))
print("ok")
