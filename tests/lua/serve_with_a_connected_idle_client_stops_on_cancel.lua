-- Cancelling the task that serves stops accepting, cancels every
-- connection's handler (here one blocked reading from an idle client), and
-- serve returns only after they finished; the streams are closed.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, net = std.task, std.net

h.no_fd_leak(function()
  local listener <close> = net.listen("127.0.0.1", 0)
  local handler_started, handler_cleaned, served_stream = false, false, nil
  local ok, err = pcall(task.with_timeout, 200, function()
    task.spawn(function()
      local c = net.connect("127.0.0.1", listener.port)
      task.sleep(60000)  -- idle: never writes
      c:close()
    end)
    listener:serve(function(conn)
      served_stream = conn
      handler_started = true
      local _ <close> = setmetatable({}, { __close = function() handler_cleaned = true end })
      conn:read_line()
    end)
  end)
  assert(not ok and err.kind == "timeout", tostring(err))
  assert(handler_started and handler_cleaned)
  assert(served_stream:is_closed(), "the connection's stream was not closed")
  -- The listener still accepts after serve ended: a later serve or accept works.
  local accepted, line
  task.scope(function(s)
    s:spawn(function()
      accepted = listener:accept()
      line = accepted:read_line()
    end)
    local c <close> = net.connect("127.0.0.1", listener.port)
    c:write("hello\n")
  end)
  assert(line == "hello")
  assert(accepted:is_closed(), "the accepted stream outlived its scope")
end)
print("ok")
