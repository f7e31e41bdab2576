-- std.net.listen with a host name looks the name up on the threadpool, as
-- connect does: the caller waits, other tasks run meanwhile, and it is a
-- suspension point (a cancelled caller gets `task cancelled` and no
-- listener). A literal address needs no lookup.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, net = std.task, std.net

h.no_fd_leak(function()
  -- Other tasks run while the name is looked up: the one spawned after
  -- the listening task has run by the time listen returns.
  local other_ran = false
  local seen
  task.scope(function(s)
    s:spawn(function()
      local l <close> = net.listen("localhost", 0)
      seen = other_ran
      assert(l.port > 0)
      assert(l.address == "127.0.0.1:" .. l.port or l.address == "[::1]:" .. l.port, l.address)
      -- It listens: a client connects to it.
      local c <close> = net.connect("localhost", l.port)
      local a <close> = l:accept()
      c:write("hi")
      assert(a:read() == "hi")
    end)
    s:spawn(function() other_ran = true end)
  end)
  assert(seen == true, "listen held the loop while it looked the name up")

  -- Cancelled while the lookup runs: task cancelled, nothing open.
  local result
  task.scope(function(s)
    s:spawn(function()
      result = table.pack(pcall(net.listen, "localhost", 0))
    end)
    task.yield()  -- the task starts its lookup and waits
    s:cancel()
  end)
  assert(not result[1] and task.is_cancelled(result[2]), "listen returned after its task was cancelled")

  -- Already cancelled: no lookup starts.
  task.scope(function(s)
    s:cancel()
    local ok, err = pcall(net.listen, "localhost", 0)
    assert(not ok and task.is_cancelled(err), tostring(err))
  end)

  -- A name that does not resolve raises kind "io" naming it.
  local ok, e = pcall(net.listen, "no-such-host.invalid", 0)
  assert(not ok and e.kind == "io" and e.op == "std.net.listen", tostring(e))
  assert(tostring(e):find("^std.net.listen: cannot resolve 'no%-such%-host.invalid': "), tostring(e))

  -- A literal address does not wait.
  local l <close> = net.listen("127.0.0.1", 0)
  assert(l.address == "127.0.0.1:" .. l.port)
end)
print("ok")
