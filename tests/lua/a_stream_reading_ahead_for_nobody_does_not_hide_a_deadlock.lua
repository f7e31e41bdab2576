-- expect-exit: 1
-- expect-stderr: deadlock
-- After a read, a stream goes on reading a little ahead of its reader (so
-- a task reading in a loop does not restart the OS read each time), but
-- that read keeps nothing alive: with every task waiting for something
-- that can never come, the run is a deadlock, reported as such, not a
-- hang.
local net, task = std.net, std.task
local l <close> = net.listen("127.0.0.1", 0)
local client <close> = net.connect("127.0.0.1", l.port)
local server <close> = l:accept()
client:write("abc")
assert(server:read(1) == "a")  -- the server's stream reads on after this
task.channel():recv()
print("unreachable")
