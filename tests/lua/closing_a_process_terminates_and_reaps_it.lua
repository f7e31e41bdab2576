-- p:close() terminates a running child (SIGTERM, SIGKILL after
-- kill_grace_ms) and returns once it is reaped; a collected Process is
-- terminated and reaped in the background; a scope's <close> variable
-- closes it on every way out.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, process = std.task, std.process

h.no_fd_leak(function()
  local p = process.spawn({ "sleep", "30" })
  local pid = p.pid
  p:close()
  assert(not h.exists(pid), "close returned before the child was reaped")
  p:close()  -- idempotent
  local code, signal = p:wait()
  assert(code == nil and signal == "SIGTERM", tostring(signal))

  local q = process.spawn("trap '' TERM; sleep 30", { kill_grace_ms = 100 })
  task.sleep(50)  -- the shell has set its trap
  q:close()
  assert(select(2, q:wait()) == "SIGKILL")

  local r_pid
  local ok = pcall(function()
    local r <close> = process.spawn({ "sleep", "30" })
    r_pid = r.pid
    error("leave")
  end)
  assert(not ok and not h.exists(r_pid))

  local g_pid
  do
    local g = process.spawn({ "sleep", "30" })
    g_pid = g.pid
  end
  collectgarbage()
  collectgarbage()
  assert(h.eventually(function() return not h.exists(g_pid) end, 10), "a collected process was never reaped")
end)
print("ok")
