-- policy-args: --allow-listen 127.0.0.1 --allow-listen 127.0.0.2 --allow-net 127.0.0.2 --allow-read /proc
-- --allow-net and --allow-listen end to end: a connect or listen the flags
-- do not grant is denied with the spec's text before any socket exists
-- (this process's descriptors are the same before and after, and the
-- listener a denied connect aimed at sees no connection: the first one in
-- its queue is the allowed one made afterwards); what they grant works.
local net, fs, task = std.net, std.fs, std.task

local function open_fds() return #fs.list("/proc/self/fd") end

local function denied(want, fn, ...)
  local ok, e = pcall(fn, ...)
  assert(not ok, "not denied: " .. want)
  assert(type(e) == "table" and e.kind == "denied" and e.code == "EACCES", tostring(e))
  assert(e.message == want, e.message .. " ~= " .. want)
  assert(tostring(e) == want)
end

local aimed_at <close> = net.listen("127.0.0.1", 0)  -- listening is allowed there, connecting is not
local port = aimed_at.port
local before = open_fds()
denied("std.net.connect: access to '127.0.0.1:" .. port .. "' denied by policy", net.connect, "127.0.0.1", port)
denied("std.net.connect: access to 'localhost:" .. port .. "' denied by policy", net.connect, "localhost", port)
denied("std.net.connect: access to '[::1]:" .. port .. "' denied by policy", net.connect, "::1", port)
denied("std.net.listen: access to '127.0.0.3:0' denied by policy", net.listen, "127.0.0.3", 0)
denied("std.net.listen: access to '0.0.0.0:0' denied by policy", net.listen, "0.0.0.0", 0)
denied("std.net.listen: access to 'localhost:0' denied by policy", net.listen, "localhost", 0)
assert(open_fds() == before, "a denied call left a descriptor: " .. open_fds() .. " ~= " .. before)

-- Granted: a server on 127.0.0.2 and a connection to it.
local server <close> = net.listen("127.0.0.2", 0)
local got = task.spawn(function()
  local s <close> = server:accept()
  return s:read_line()
end)
local client <close> = net.connect("127.0.0.2", server.port)
client:write("through\n")
assert(got:join() == "through")
-- Granted by the flag 127.0.0.2 (every port), so any port of it passes
-- the policy; a closed one is refused by the kernel, kind "io".
local ok, e = pcall(net.connect, "127.0.0.2", 1)
assert(not ok and e.kind == "io" and e.code == "ECONNREFUSED", tostring(e))
print("ok")
