-- Finished fibers hand their threads to later fibers, but never a thread
-- the script got from coroutine.running(): such a thread stays the dead
-- thread of its own task (or scope body), whatever runs afterwards.
local task = std.task

local seen = {}     -- thread -> what it was seen as
local function note(what)
  local co = coroutine.running()
  assert(seen[co] == nil, "a thread the script held runs " .. what .. " after " .. tostring(seen[co]))
  seen[co] = what
  return co
end

-- a task and a scope body whose threads the script holds
local task_thread
task.spawn(function() task_thread = note("task") end):join()
local body_thread
task.scope(function() body_thread = note("scope body") end)
assert(coroutine.status(task_thread) == "dead" and coroutine.status(body_thread) == "dead")

-- plenty of later fibers (most on reused threads) see threads of their own
for round = 1, 3 do
  task.scope(function(s)
    for i = 1, 200 do s:spawn(function() note("task " .. round .. "." .. i) end) end
  end)
  for i = 1, 50 do
    task.scope(function() note("body " .. round .. "." .. i) end)
    task.with_timeout(1000, function() note("timeout body " .. round .. "." .. i) end)
  end
end

-- the held threads are still dead, and not the script's to resume
assert(coroutine.status(task_thread) == "dead" and coroutine.status(body_thread) == "dead")
assert(select(2, coroutine.resume(task_thread)) == "cannot resume dead coroutine")
assert(select(2, coroutine.resume(body_thread)) == "cannot resume dead coroutine")
print("ok")
