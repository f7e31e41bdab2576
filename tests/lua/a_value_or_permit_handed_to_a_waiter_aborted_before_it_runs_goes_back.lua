-- args: --virtual-time
-- A value handed to a waiting receiver is its own, but if the receiver is
-- hard-aborted before it could run, the value goes back to the head of the
-- channel (or straight to the next waiting receiver); a permit handed to
-- an acquirer aborted before it ran goes back to the semaphore.
local task = std.task

-- spawn a task that waits in fn, and let it get there
local function waiting(fn)
  local h = task.spawn(fn)
  task.sleep(1)
  return h
end

for _, capacity in ipairs({ 0, 2 }) do
  -- back to the head of the buffer, ahead of a value sent after it
  local ch = task.channel(capacity)
  local h = waiting(function() return ch:recv() end)
  ch:send("v1")  -- straight to the waiting receiver
  if capacity > 0 then ch:send("v2") end
  h:abort()
  local ok, err = pcall(h.join, h)
  assert(not ok and err.kind == "aborted")
  assert(ch:len() == (capacity > 0 and 2 or 1), "v1 came back: " .. ch:len())
  assert(ch:recv() == "v1")
  if capacity > 0 then assert(ch:recv() == "v2") end
  assert(ch:len() == 0)

  -- straight to the next waiting receiver
  local first = waiting(function() return ch:recv() end)
  local second = waiting(function() return ch:recv() end)
  ch:send("w")
  first:abort()
  assert(second:join() == "w" and ch:len() == 0)
end

-- a select
local a, b = task.channel(), task.channel()
local h = waiting(function() return task.select({ a, b }) end)
b:send("s")
h:abort()
assert(b:len() == 1 and b:recv() == "s" and a:len() == 0)

-- a permit
local sem = task.semaphore(1)
local held = sem:acquire()
h = waiting(function() local p <close> = sem:acquire(); task.sleep(100) end)
held:release()
assert(sem:available() == 0, "handed to the waiter")
h:abort()
assert(sem:available() == 1 and sem:waiting() == 0, "and back")

-- an abort after the receiver ran does not undo its recv
local ch = task.channel(1)
h = task.spawn(function() local v = ch:recv(); task.sleep(100); return v end)
task.sleep(1)
ch:send("kept")
task.sleep(1)
h:abort()
assert(ch:len() == 0)
print("ok")
