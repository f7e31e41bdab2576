-- Every process, stream, listener and file belongs to the scope it was
-- created in and is closed when that scope ends, if nothing closed it
-- before: a scope returns only after a process started in it is
-- terminated and reaped. Objects of outer scopes are left alone.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, process, net, fs = std.task, std.process, std.net, std.fs

h.no_fd_leak(function()
  h.with_temp_dir(function(dir)
    local outer_listener = net.listen("127.0.0.1", 0)
    local p, stream, listener, file, file2, accepted
    local started = std.time.monotonic()
    task.scope(function()
      p = process.spawn({ "sleep", "30" })
      listener = net.listen("127.0.0.1", 0)
      stream = net.connect("127.0.0.1", outer_listener.port)
      accepted = outer_listener:accept()  -- made in this scope too
      file = fs.open(dir .. "/f", "w")
      -- A task of the scope makes one too; it ends with the scope, not
      -- with the task.
      task.spawn(function() file2 = fs.open(dir .. "/g", "w") end):join()
      assert(not file2:is_closed())
    end)
    -- The process was terminated (SIGTERM) and reaped before the scope
    -- returned: no process, no zombie.
    assert(not h.exists(p.pid), "the process outlived its scope")
    assert(#h.zombie_children() == 0)
    local code, signal = p:wait()
    assert(code == nil and signal == "SIGTERM", tostring(signal))
    assert(p.stdout:is_closed() and p.stdin:is_closed())
    assert(stream:is_closed() and accepted:is_closed() and listener:is_closed())
    assert(file:is_closed() and file2:is_closed())
    assert(std.time.monotonic() - started < 5)
    assert(not outer_listener:is_closed(), "an outer scope's object was closed")

    -- Closed before the scope ends: the scope does not wait for it.
    task.scope(function()
      local q = process.spawn({ "true" })
      q:close()
      local s <close> = net.connect("127.0.0.1", outer_listener.port)
      outer_listener:accept():close()
    end)

    -- A scope with a process that ignores SIGTERM waits for the grace,
    -- then the SIGKILL, and still reaps it.
    local stubborn
    task.scope(function()
      stubborn = process.spawn({ "sh", "-c", "trap '' TERM; sleep 30" }, { kill_grace_ms = 100 })
      std.task.sleep(50)  -- the trap is set
    end)
    assert(not h.exists(stubborn.pid))
    assert(select(2, stubborn:wait()) == "SIGKILL")

    -- A hard abort of the scope (with_timeout's grace ran out) kills at
    -- once without waiting; the runtime reaps in the background.
    local aborted
    pcall(task.with_timeout, 50, function()
      aborted = process.spawn({ "sh", "-c", "trap '' TERM; sleep 30" })
      while true do task.checkpoint() task.sleep(10) end
    end, { grace_ms = 0 })
    assert(h.eventually(function() return not h.exists(aborted.pid) end, 5))

    outer_listener:close()
  end)
end)
print("ok")
