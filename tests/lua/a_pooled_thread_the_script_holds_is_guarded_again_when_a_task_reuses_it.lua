-- A finished task that left nothing on its thread gives the thread back
-- to a pool: empty, it looks dead, and Lua itself refuses to resume it.
-- The script may still hold it (debug.getuservalue of the old handle);
-- once another task or a scope body runs on it, the runtime's guard is
-- back: resuming or closing it from the script is refused.
local task = std.task

local refused = dofile(arg[0]:match("(.*/)") .. "lib/thread_guard.lua")

-- Collect the threads of finished tasks (each back in a pool).
local pooled = {}
for i = 1, 4 do
  local h = task.spawn(function() end)
  h:join()
  local thread = debug.getuservalue(h, 1)
  assert(type(thread) == "thread", "task " .. i)
  assert(coroutine.status(thread) == "dead", "pooled: " .. coroutine.status(thread))
  local ok, err = coroutine.resume(thread)
  assert(ok == false and err == "cannot resume dead coroutine", "pooled: " .. tostring(err))
  pooled[thread] = true
end

-- Tasks that sleep run on pooled threads: the one the script holds is
-- guarded while they wait.
local sleepers, reused = {}, 0
for i = 1, 4 do
  -- two values: a task's one value would go to its handle, and its
  -- thread back to the pool
  sleepers[i] = task.spawn(function() task.sleep(10) return i, -i end)
end
task.yield()
for i = 1, 4 do
  local thread = debug.getuservalue(sleepers[i], 1)
  if pooled[thread] then
    reused = reused + 1
    refused(thread, "sleeping task " .. i)
  end
end
assert(reused > 0, "no task reused a pooled thread")
for i = 1, 4 do
  local a, b = sleepers[i]:join()
  assert(a == i and b == -i)
  -- finished with its results on it: they are the runtime's
  local thread = debug.getuservalue(sleepers[i], 1)
  local ok, err = coroutine.resume(thread)
  assert(ok == false and err == "cannot resume dead coroutine", "finished: " .. tostring(err))
end

-- A scope body on a pooled thread
local again = task.spawn(function() end)
again:join()
local thread = debug.getuservalue(again, 1)
task.scope(function(s)
  if debug.getuservalue(s, 1) == thread then
    local child = s:spawn(function() refused(thread, "scope body") end)
    child:join()
  end
end)
print("ok")
