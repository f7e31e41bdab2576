-- Whatever way the script gets a thread the scheduler drives (a task's, a
-- scope body's, the one an abort is closing), the coroutine library refuses
-- to resume or close it while the scheduler still owns it.
local task = std.task

local refused = dofile(arg[0]:match("(.*/)") .. "lib/thread_guard.lua")

-- a task asleep in task.sleep (until aborted)
local sleeper_thread
local sleeper = task.spawn(function()
  sleeper_thread = coroutine.running()
  task.sleep(3600000)
end)
task.yield()
refused(sleeper_thread, "sleeping task")
sleeper:abort()
local ok, err = coroutine.resume(sleeper_thread)
assert(ok == false and err == "cannot resume dead coroutine", "aborted task: " .. tostring(err))

-- a scope body waiting for its child
task.scope(function(s)
  local body_thread = coroutine.running()
  local child = s:spawn(function() refused(body_thread, "scope body") end)
  child:join()
end)

-- a task being hard-aborted, from inside its own __close handler
local closing_thread
local victim = task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function() closing_thread = coroutine.running() end })
  task.sleep(60000)
end)
task.yield()
victim:abort()
assert(closing_thread, "the __close handler did not run")
ok, err = coroutine.resume(closing_thread)
assert(ok == false and err == "cannot resume dead coroutine", tostring(err))
print("ok")
