-- args: --virtual-time
-- A task hard-aborted while it waits (here: on a channel, holding a permit
-- in a <close> variable) leaves the wait and runs its __close handlers, so
-- the permit is released.
local task = std.task
local sem = task.semaphore(2)
local ch = task.channel()
local h = task.spawn(function()
  local p <close> = sem:acquire()
  return ch:recv()
end)
task.sleep(1)
assert(sem:available() == 1)
h:abort()
assert(sem:available() == 2 and ch:try_send("x") == false)
-- with_timeout's grace expiry is a hard abort too
local ok, err = pcall(task.with_timeout, 10, function()
  local p <close> = sem:acquire()
  pcall(ch.recv, ch)  -- swallow the cancel, then wait again until the grace runs out
  ch:recv()
end, { grace_ms = 5 })
assert(not ok and err.kind == "timeout", tostring(err))
assert(sem:available() == 2)
print("ok")
