-- A kept-alive connection that the server closes while it is idle in
-- std.http's cache costs nothing (the loop does not spin on its readable
-- socket), and the next request opens a new connection.
local task, net, http = std.task, std.net, std.http

-- A server that answers each connection's first request (keep-alive) and
-- then closes it.
local l <close> = net.listen("127.0.0.1", 0)
local base = "http://127.0.0.1:" .. l.port
local accepted = 0
task.scope(function(s)
  s:spawn(function()
    for _ = 1, 2 do
      local c <close> = l:accept()
      accepted = accepted + 1
      repeat local line = c:read_line() until line == nil or line == "" or line == "\r"
      c:write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")
    end
  end)
  assert(http.get(base .. "/").body == "first")
  -- Half a second of CPU time would be a loop polling the socket without
  -- end (a tenth of it on a loaded machine); an idle wait takes none.
  local cpu = os.clock()
  task.sleep(500)
  cpu = os.clock() - cpu
  assert(cpu < 0.05, ("%.3f s of CPU time while idle"):format(cpu))
  assert(http.get(base .. "/").body == "first")
end)
assert(accepted == 2, "connections: " .. accepted)
print("ok")
