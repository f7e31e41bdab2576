-- Many finished tasks' threads that keep their results (more than any
-- first size of a record of guarded threads): every one stays refused to
-- the script, and every join still gets its task's results.
local task = std.task
local n = 1000
local handles = {}
for i = 1, n do handles[i] = task.spawn(function() return i, "r" .. i end) end
task.yield()  -- all have run and finished
collectgarbage()
for i = 1, n do
  local thread = debug.getuservalue(handles[i], 1)
  assert(type(thread) == "thread", "task " .. i)
  local ok, err = coroutine.resume(thread)
  assert(ok == false and err == "cannot resume dead coroutine", "task " .. i .. ": " .. tostring(err))
  assert(coroutine.status(thread) == "dead", "task " .. i)
end
for i = 1, n do
  local a, b = handles[i]:join()
  assert(a == i and b == "r" .. i, "join " .. i .. ": " .. tostring(a) .. ", " .. tostring(b))
end
print("ok")
