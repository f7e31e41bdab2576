-- policy-args: --allow-write root --allow-listen 127.0.0.1:1
-- Unix socket paths are paths: listening needs a writable root, connecting
-- a readable one; both outside are denied, and no socket file appears.
local net = std.net
local ok, e = pcall(net.listen_unix, "outside/sock")
assert(not ok and e.kind == "denied", tostring(e))
assert(e.message == "std.net.listen_unix: access to 'outside/sock' denied by policy", e.message)
ok, e = pcall(net.listen_unix, "root/link-dir/sock")
assert(not ok and e.kind == "denied", tostring(e))
ok, e = pcall(net.connect_unix, "outside/sock")
assert(not ok and e.kind == "denied")
assert(e.message == "std.net.connect_unix: access to 'outside/sock' denied by policy", e.message)
-- Inside the root both work.
local listener <close> = net.listen_unix("root/sock")
local task = std.task
local server = task.spawn(function()
  local conn <close> = listener:accept()
  conn:write(conn:read_line() .. "\n")
end)
local client <close> = net.connect_unix("root/sock")
client:write("ping\n")
assert(client:read_line() == "ping")
server:join()
print("ok")
