-- A read cancelled while part of a line has arrived loses nothing: the next
-- read_line gets the whole line.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, process = std.task, std.process

h.no_fd_leak(function()
  local p <close> = process.spawn({ "cat" })
  p.stdin:write("hel")
  local ok, err = pcall(task.with_timeout, 100, function() return p.stdout:read_line() end)
  assert(not ok and err.kind == "timeout", tostring(err))
  -- The same with a cancelled task rather than a deadline.
  task.scope(function(s)
    s:spawn(function()
      local ok2, err2 = pcall(p.stdout.read_line, p.stdout)
      assert(not ok2 and task.is_cancelled(err2), tostring(err2))
    end)
    task.sleep(20)
    s:cancel()
  end)
  p.stdin:write("lo\nworld\n")
  assert(p.stdout:read_line() == "hello")
  assert(p.stdout:read_line() == "world")
  p.stdin:close()
  assert(p:wait() == 0)
end)
print("ok")
