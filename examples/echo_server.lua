-- echo_server.lua - a TCP echo server that shuts down gracefully.
--
--   build/lua-batteries examples/echo_server.lua [PORT]      serve until Ctrl-C
--                                                              (PORT 0: any free one)
--   build/lua-batteries examples/echo_server.lua --self-test
--
-- Every connection gets a task of its own (Listener:serve) that echoes
-- each line back. Ctrl-C or SIGTERM cancels the root scope: serve stops
-- accepting, each connection's task is cancelled in the middle of its
-- read, its `<close>` handler says goodbye to the client, and the runner
-- exits once they are all done (130, or 143 for SIGTERM).
--
-- --self-test runs the server on a free port with 20 clients in the same
-- process, then stops it by cancelling its scope as Ctrl-C would, and
-- exits 0 when every line came back.
local task, net = std.task, std.net

local function handle(stream)
  local goodbye <close> = setmetatable({}, { __close = function()
    if not stream:is_closed() then pcall(stream.write, stream, "server shutting down\n") end
  end })
  for line in stream:lines() do
    stream:write(line .. "\n")
  end
end

if (...) ~= "--self-test" then
  local listener <close> = net.listen("127.0.0.1", tonumber((...)) or 7777)
  print(("echo server on %s"):format(listener.address))
  print("ready (Ctrl-C stops it)")
  io.stdout:flush()
  listener:serve(handle)
  return
end

local CLIENTS, LINES = 20, 50
local echoed = 0
local listener <close> = net.listen("127.0.0.1", 0)
task.scope(function(s)
  -- The server in a scope of its own, which the test cancels as Ctrl-C
  -- would cancel the root scope.
  local server_scope
  s:spawn(function()
    task.scope(function(inner)
      server_scope = inner
      listener:serve(handle)
    end)
  end)
  task.scope(function(clients)
    for c = 1, CLIENTS do
      clients:spawn(function()
        local conn <close> = net.connect("127.0.0.1", listener.port)
        for i = 1, LINES do
          local line = ("client %d line %d"):format(c, i)
          conn:write(line .. "\n")
          assert(conn:read_line() == line)
          echoed = echoed + 1
        end
      end)
    end
  end)
  -- One client stays connected, idle, as the server stops: it is told.
  local idle <close> = net.connect("127.0.0.1", listener.port)
  idle:write("ping\n")
  assert(idle:read_line() == "ping")
  server_scope:cancel()
  assert(idle:read_line() == "server shutting down")
  assert(idle:read_line() == nil)
end)
print(("self-test: %d clients, %d lines echoed, server stopped"):format(CLIENTS, echoed))
assert(echoed == CLIENTS * LINES)
