-- std.net: connect and accept on TCP and Unix-domain sockets, their
-- addresses, error objects for refused and unresolvable targets, a
-- cancelled accept accepts nothing, a cancelled connect leaves nothing open,
-- a closed listener ends serve.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, net = std.task, std.net

h.no_fd_leak(function()
  local l <close> = net.listen("127.0.0.1", 0, { backlog = 16 })
  assert(math.type(l.port) == "integer" and l.port > 0)
  assert(l.address == "127.0.0.1:" .. l.port, l.address)
  local server_side
  task.scope(function(s)
    s:spawn(function() server_side = l:accept() end)
    local c <close> = net.connect("127.0.0.1", l.port)
    assert(c.peer == l.address, c.peer)
    assert(c.local_address:match("^127%.0%.0%.1:%d+$"), c.local_address)
    task.yield()
  end)
  assert(server_side.peer and server_side.local_address == l.address)
  server_side:close()

  -- A cancelled accept accepts nothing: the connection waits for the next.
  local ok, err = pcall(task.with_timeout, 50, function() return l:accept() end)
  assert(not ok and err.kind == "timeout")
  local c2 <close> = net.connect("localhost", l.port)  -- a name, looked up
  local s2 <close> = l:accept()
  c2:write("ping\n")
  assert(s2:read_line() == "ping")

  ok, err = pcall(net.connect, "127.0.0.1", 1)
  assert(not ok and err.kind == "io" and err.code == "ECONNREFUSED", tostring(err))
  assert(tostring(err) == "std.net.connect: cannot connect to '127.0.0.1:1': connection refused (ECONNREFUSED)", tostring(err))
  ok, err = pcall(net.connect, "no-such-host.invalid", 80)
  assert(not ok and err.kind == "io" and err.code:match("^EAI_"), tostring(err))
  ok, err = pcall(net.listen, "127.0.0.1", l.port)
  assert(not ok and err.code == "EADDRINUSE", tostring(err))
  ok, err = pcall(net.connect, "127.0.0.1", 0)
  assert(not ok and type(err) == "string" and err:find("port", 1, true))

  -- A connect cancelled while its lookup or attempt runs leaves nothing open.
  for _ = 1, 20 do
    pcall(task.with_timeout, 0, function() return net.connect("localhost", l.port) end)
  end
end)

h.no_fd_leak(function()
  local path = os.tmpname()
  os.remove(path)
  local l <close> = net.listen_unix(path)
  assert(l.address == path and l.port == nil)
  task.scope(function(s)
    s:spawn(function()
      l:serve(function(conn) conn:write((conn:read_line() or "?"):upper() .. "\n") end)
    end)
    for i = 1, 3 do
      local c <close> = net.connect_unix(path)
      c:write("hello " .. i .. "\n")
      assert(c:read_line() == "HELLO " .. i)
    end
    l:close()  -- serve returns once its handlers are done
  end)
  assert(io.open(path) == nil, "the socket file was not removed")
  local ok, err = pcall(net.connect_unix, path)
  assert(not ok and err.code == "ENOENT", tostring(err))
end)
print("ok")
