-- expect-exit: 1
-- expect-stderr: deadlock
-- No primitive keeps the loop alive: the main chunk waiting on a channel
-- nobody will ever send on is a deadlock, reported as such.
local task = std.task
local ch = task.channel()
task.spawn(function() task.event():wait() end)
ch:recv()
print("unreachable")
