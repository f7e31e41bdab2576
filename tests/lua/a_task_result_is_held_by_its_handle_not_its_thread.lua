-- A task that returns one value hands it to its handle, and its thread
-- goes back to the pool for the next task at once: a program that keeps
-- many finished handles keeps their values, not their threads. join
-- still returns exactly what each task returned, also after later tasks
-- reused its thread; a task that returned several values, or its own
-- thread, keeps them on its thread as before.
local task = std.task

-- the memory of kept handles: no thread each (a thread is about 1 KB)
local n = 20000
collectgarbage()
collectgarbage()
local before = collectgarbage("count")
local handles = {}
task.scope(function(s)
  for i = 1, n do handles[i] = s:spawn(function() return i end) end
end)
collectgarbage()
collectgarbage()
local per_handle = (collectgarbage("count") - before) * 1024 / n
assert(per_handle < 700, ("%.0f bytes per kept handle"):format(per_handle))
for i = 1, n, 997 do assert(handles[i]:join() == i) end
assert(not pcall(handles[1].join, handles[1]), "a second join raises")

-- the value survives the reuse of the thread by later tasks
local t = {}
local first = task.spawn(function() return t end)
task.yield()
assert(first:is_finished())
task.scope(function(s)
  for i = 1, 100 do s:spawn(function() return -i end) end
end)
assert(first:join() == t)

-- one nil is one result
local h = task.spawn(function() return nil end)
task.yield()
assert(select("#", h:join()) == 1)

-- several values stay on the thread, all of them returned
h = task.spawn(function() return 1, "two", 3 end)
task.yield()
local a, b, c = h:join()
assert(a == 1 and b == "two" and c == 3)

-- a task that returned its own thread keeps it: the script holds it
local co
h = task.spawn(function()
  co = coroutine.running()
  return co
end)
task.yield()
task.scope(function(s)
  for i = 1, 10 do s:spawn(function() return i end) end
end)
local got = h:join()
assert(got == co and coroutine.status(got) == "dead")

-- joined by a waiting task, in the same turn it finishes
local result
task.scope(function(s)
  local producer = s:spawn(function() task.yield() return "late" end)
  s:spawn(function() result = producer:join() end)
end)
assert(result == "late")
print("ok")
