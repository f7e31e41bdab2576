-- A hard abort of a task waiting in process.run sends SIGKILL to the
-- child's group at once; the runtime reaps it in the background, so once
-- the loop has run no zombie is left.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, process = std.task, std.process

h.no_fd_leak(function()
  local marker = os.tmpname()
  local t = task.spawn(function()
    process.run(("echo $$ > %s; exec sleep 30"):format(marker))
  end)
  local pid
  assert(h.eventually(function()
    local f = io.open(marker)
    pid = f and tonumber(f:read("a"))
    if f then f:close() end
    return pid ~= nil
  end), "the child never started")
  os.remove(marker)
  t:abort()
  local ok, err = pcall(t.join, t)
  assert(not ok and tostring(err) == "task aborted")
  -- Reaped by the loop, not by this task: wait for it without blocking.
  assert(h.eventually(function() return not h.exists(pid) end, 10), "the child was never reaped")
  assert(#h.zombie_children() == 0)
end)
print("ok")
