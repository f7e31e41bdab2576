-- policy-args: --allow-listen 127.0.0.1 --allow-listen 127.0.0.2 --allow-net 127.0.0.1 --allow-read /proc
-- std.http under --allow-net: every hop is checked. A server on 127.0.0.1
-- (granted) redirects to one on 127.0.0.2 (not granted): the request
-- raises kind "denied" naming the hop, the denied server gets no
-- connection (the kernel's socket table shows nothing on its port but the
-- listener), and nothing of the transfer keeps running. A request to the
-- denied host directly is denied before it starts.
local net, http, task, fs = std.net, std.http, std.task, std.fs

-- A minimal HTTP/1.1 server: each connection gets one response, `respond`
-- (request target) -> status line and extra header lines.
local function serve(host, respond)
  local listener = net.listen(host, 0)
  local seen = {}
  local server = task.spawn(function()
    listener:serve(function(s)
      local line = s:read_line()
      if not line then return end
      local target = line:match("^%u+ (%S+)")
      seen[#seen + 1] = target
      repeat local header = s:read_line() until header == nil or header == "\r" or header == ""
      local status, extra, body = respond(target)
      s:write(("HTTP/1.1 %s\r\nContent-Length: %d\r\nConnection: close\r\n%s\r\n%s"):format(
        status, #body, extra, body))
    end)
  end)
  return listener, server, seen
end

local denied_listener, denied_server, denied_seen = serve("127.0.0.2", function()
  return "200 OK", "", "secret"
end)
local denied_url = "http://127.0.0.2:" .. denied_listener.port .. "/secret"
local allowed_listener, allowed_server, allowed_seen = serve("127.0.0.1", function(target)
  if target == "/away" then return "302 Found", "Location: " .. denied_url .. "\r\n", "" end
  if target == "/here" then return "302 Found", "Location: /hello\r\n", "" end
  return "200 OK", "", "hello"
end)
local base = "http://127.0.0.1:" .. allowed_listener.port

-- Allowed, with a redirect on the same host.
local r = http.get(base .. "/here")
assert(r.status == 200 and r.body == "hello" and r.url == base .. "/hello", r.url)

-- The redirect to the denied host.
local ok, e = pcall(http.get, base .. "/away")
assert(not ok and type(e) == "table" and e.kind == "denied" and e.code == "EACCES", tostring(e))
assert(e.message == "std.http.get: access to '" .. denied_url .. "' denied by policy", e.message)
ok, e = pcall(http.request, { url = base .. "/away", method = "POST", body = "x" })
assert(not ok and e.message == "std.http.request: access to '" .. denied_url .. "' denied by policy", tostring(e))
-- Not following redirects, the 302 is simply the response.
r = http.get(base .. "/away", { follow_redirects = false })
assert(r.status == 302 and r.headers.location == denied_url)
-- Directly: denied by name before anything starts.
ok, e = pcall(http.get, denied_url)
assert(not ok and e.message == "std.http.get: access to '" .. denied_url .. "' denied by policy", tostring(e))

-- The allowed server saw its requests; the denied one none, and the
-- kernel has no socket on its port but the listener (no connection was
-- made, not even one closed at once: that would linger in TIME_WAIT).
assert(#allowed_seen == 5, #allowed_seen)
assert(#denied_seen == 0)
-- /proc/net/tcp writes 127.0.0.2 as 0200007F; the same port number on
-- another address (another test's server or client) is not this one.
local denied_address = ("0200007F:%04X"):format(denied_listener.port)
local on_port = 0
for line in fs.lines("/proc/net/tcp") do
  local local_address, remote_address = line:match("^%s*%d+: (%S+) (%S+)")
  if local_address == denied_address or remote_address == denied_address then on_port = on_port + 1 end
end
assert(on_port == 1, on_port .. " sockets on the denied server's port")

-- Closing a listener makes its serve return.
allowed_listener:close()
denied_listener:close()
allowed_server:join()
denied_server:join()
print("ok")
