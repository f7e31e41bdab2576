-- A task's thread is the user value of its handle, and a scope body's the
-- user value of its scope object: the debug library reaches them
-- (debug.getuservalue) without coroutine.running. Resuming or closing them
-- from the script is refused as for the threads coroutine.running gives;
-- before, the resume ran the task inside the script's resume and join
-- returned what that left behind.
local task = std.task

local refused = dofile(arg[0]:match("(.*/)") .. "lib/thread_guard.lua")

-- a task asleep in task.sleep
local sleeper = task.spawn(function()
  task.sleep(20)
  return "slept", 2
end)
task.yield() -- it has started, so its handle holds its thread
local thread = debug.getuservalue(sleeper, 1)
assert(type(thread) == "thread")
refused(thread, "sleeping task")
local a, b = sleeper:join()
assert(a == "slept" and b == 2, "join: " .. tostring(a) .. ", " .. tostring(b))

-- finished, its results kept on its thread for a join to come: they stay
-- the runtime's
local done = task.spawn(function() return print, "x" end)
task.yield()
local done_thread = debug.getuservalue(done, 1)
local ok, err = coroutine.resume(done_thread)
assert(ok == false and err == "cannot resume dead coroutine", "finished, unjoined: " .. tostring(err))
assert(coroutine.close(done_thread) == true)
assert(coroutine.status(done_thread) == "dead")
local f, x = done:join()
assert(f == print and x == "x", "join after: " .. tostring(f) .. ", " .. tostring(x))

-- a scope body waiting for its child
task.scope(function(s)
  local child = s:spawn(function() refused(debug.getuservalue(s, 1), "scope body") end)
  child:join()
end)
print("ok")
