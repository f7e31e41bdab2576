-- args: --virtual-time
-- is_finished() is false before the first turn and while the task waits,
-- and true once it returned, failed, was cancelled or aborted - before
-- anyone joins it.
local task = std.task
local h = task.spawn(function() task.sleep(100); return 1 end)
assert(h:is_finished() == false, "finished before it started")
task.sleep(5)
assert(h:is_finished() == false, "finished while sleeping")
task.sleep(150)
assert(h:is_finished() == true, "not finished after returning")
assert(h:join() == 1)
assert(h:is_finished() == true)
local f = task.spawn(function() error("x") end)
task.sleep(5)
assert(f:is_finished() == true, "not finished after failing")
pcall(function() return f:join() end)
local c
task.scope(function(s)
  c = s:spawn(function() task.sleep(100000) end)
  task.yield()
  assert(c:is_finished() == false)
  s:cancel()
end)
assert(c:is_finished() == true, "not finished after being cancelled")
local a = task.spawn(function() task.sleep(100000) end)
task.yield()
a:abort()
task.yield()
assert(a:is_finished() == true, "not finished after an abort")
print("ok")
