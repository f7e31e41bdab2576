-- A non-blocking LuaSocket socket works inside tasks: std.io.wait_readable
-- and wait_writable take the socket itself (its :getfd()) or a descriptor,
-- and the task sleeps on the loop meanwhile: waiting costs no CPU.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local socket = require("socket")
local task, io_ = std.task, std.io

-- Receives a line from a non-blocking LuaSocket client, waiting on the loop.
local function receive_line(sock)
  local parts = {}
  while true do
    local line, err, partial = sock:receive("*l")
    if line then return table.concat(parts) .. line end
    if err ~= "timeout" then error(err) end
    parts[#parts + 1] = partial
    io_.wait_readable(sock)
  end
end

h.no_fd_leak(function()
  -- A LuaSocket server and std.net clients: 20 connections served by tasks.
  local server = assert(socket.bind("127.0.0.1", 0))
  server:settimeout(0)
  local _, port = server:getsockname()
  task.scope(function(s)
    s:spawn(function()
      task.scope(function(conns)
        for _ = 1, 20 do
          local client = server:accept()
          while not client do
            io_.wait_readable(server)
            client = server:accept()
          end
          client:settimeout(0)
          conns:spawn(function()
            local line = receive_line(client)
            io_.wait_writable(client:getfd())  -- an integer works as well
            assert(client:send(line:upper() .. "\n"))
            client:close()
          end)
        end
      end)
    end)
    for i = 1, 20 do
      s:spawn(function()
        local c <close> = std.net.connect("127.0.0.1", tonumber(port))
        task.sleep(i)
        c:write("hello " .. i .. "\n")
        assert(c:read_line() == "HELLO " .. i)
      end)
    end
  end)
  server:close()

  -- Waiting costs no CPU: a wait of 300 ms for data uses a few ms at most.
  local listener = std.net.listen("127.0.0.1", 0)
  local client = assert(socket.connect("127.0.0.1", listener.port))
  client:settimeout(0)
  local peer = listener:accept()
  task.scope(function(s)
    s:spawn(function()
      task.sleep(300)
      peer:write("late\n")
    end)
    local cpu = os.clock()
    local started = std.time.monotonic()
    assert(receive_line(client) == "late")
    local waited = std.time.monotonic() - started
    cpu = os.clock() - cpu
    assert(waited >= 0.25, waited)
    assert(cpu < 0.1 * waited, ("%.3f s of CPU in a %.3f s wait"):format(cpu, waited))
  end)

  -- A cancelled wait leaves no watcher: the next wait on the socket works,
  -- and two tasks cannot wait for one descriptor at once.
  local ok, err = pcall(task.with_timeout, 20, function() io_.wait_readable(client) end)
  assert(not ok and err.kind == "timeout", tostring(err))
  task.scope(function(s)
    s:spawn(function() io_.wait_readable(client) end)
    task.sleep(5)
    local ok2, err2 = pcall(io_.wait_readable, client)
    assert(not ok2 and tostring(err2):find("another task is waiting for descriptor", 1, true), tostring(err2))
    peer:write("x\n")
  end)
  assert(receive_line(client) == "x")
  client:close()
  peer:close()
  listener:close()
end)

-- Argument errors.
local ok, err = pcall(io_.wait_readable, "x")
assert(not ok and tostring(err):find("expected a descriptor", 1, true), tostring(err))
ok, err = pcall(io_.wait_readable, -1)
assert(not ok and tostring(err):find("is not an open descriptor", 1, true), tostring(err))
ok, err = pcall(io_.wait_writable, {})
assert(not ok and tostring(err):find("std.io.wait_writable: expected a descriptor", 1, true), tostring(err))
print("ok")
