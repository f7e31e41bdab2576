-- Cancelling process.run terminates the child's whole process group
-- (SIGTERM, SIGKILL after kill_grace_ms) and returns only once it is
-- reaped: no process of the group and no zombie is left.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, process = std.task, std.process

local function read_pgid(path)
  local f = assert(io.open(path))
  local pgid = tonumber(f:read("a"))
  f:close()
  os.remove(path)
  return pgid
end

local function check_nothing_left(pgid)
  assert(pgid, "the shell did not report its pid")
  local left = h.group_members(pgid)
  assert(#left == 0, ("%d process(es) of group %d left, e.g. pid %d state %s"):format(
    #left, pgid, left[1] and left[1].pid or 0, left[1] and left[1].state or "?"))
  assert(#h.zombie_children() == 0, "a zombie child is left")
end

h.no_fd_leak(function()
  local marker = os.tmpname()
  local started = std.time.monotonic()
  local ok, err = pcall(task.with_timeout, 300, function()
    process.run(("echo $$ > %s; sleep 30 & sleep 31"):format(marker), { kill_grace_ms = 2000 })
  end)
  local elapsed = std.time.monotonic() - started
  assert(not ok and err.kind == "timeout", tostring(err))
  assert(elapsed < 1.5, "returned after " .. elapsed .. " s: SIGTERM alone should have ended the group")
  check_nothing_left(read_pgid(marker))
end)

-- A group that ignores SIGTERM gets SIGKILL when kill_grace_ms ends.
h.no_fd_leak(function()
  local marker = os.tmpname()
  local started = std.time.monotonic()
  local ok, err = pcall(task.with_timeout, 200, function()
    process.run(("trap '' TERM; echo $$ > %s; sleep 30 & sleep 31"):format(marker), { kill_grace_ms = 300 })
  end, { grace_ms = 10000 })
  local elapsed = std.time.monotonic() - started
  assert(not ok and err.kind == "timeout", tostring(err))
  assert(elapsed >= 0.45, "returned before kill_grace_ms ended: " .. elapsed)
  assert(elapsed < 3.0, "returned after " .. elapsed .. " s")
  check_nothing_left(read_pgid(marker))
end)
print("ok")
