-- A program std.process starts leads a process group of its own (its
-- group id is its pid), in a session of its own only when this process
-- has a controlling terminal. It begins as a fresh one would: none of the
-- standard signals ignored or blocked, whatever this process does (the
-- runner ignores SIGPIPE: a child that inherited that would not die
-- writing to a closed pipe). With an environment of its own, the program
-- is looked up on that environment's PATH (the default path when it has
-- none), as execvp does in the child.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local process = std.process

local function mask(status, field)
  return tonumber(status:match(field .. ":%s*(%x+)"), 16)
end

h.no_fd_leak(function()
  local mine = io.open("/proc/self/status"):read("a")
  assert(mask(mine, "SigIgn") & (1 << 12) ~= 0, "the runner was expected to ignore SIGPIPE")

  local stat = process.run({ "cat", "/proc/self/stat" }).stdout
  local pid, pgrp, session = stat:match("^(%d+) %b() %S+ %d+ (%d+) (%d+)")
  local my_session = io.open("/proc/self/stat"):read("a"):match("^%d+ %b() %S+ %d+ %d+ (%d+)")
  assert(pid and pgrp == pid, stat)
  local tty = io.open("/dev/tty")
  if tty then
    tty:close()
    assert(session == pid, "with a terminal, the child leads a session of its own")
  else
    assert(session == my_session, "without a terminal, the child stays in this session")
  end

  local child = process.run({ "cat", "/proc/self/status" }).stdout
  local standard = (1 << 31) - 1  -- signals 1..31
  assert(mask(child, "SigIgn") & standard == 0, ("the child ignores %x"):format(mask(child, "SigIgn")))
  assert(mask(child, "SigBlk") & standard == 0, ("the child blocks %x"):format(mask(child, "SigBlk")))

  -- A child writing to a pipe nobody reads dies of SIGPIPE.
  do
    local p <close> = process.spawn({ "yes" }, { stdin = "null", stderr = "null" })
    assert(#p.stdout:read() > 0)
    p.stdout:close()
    local code, signal = p:wait()
    assert(code == nil and signal == "SIGPIPE", tostring(code) .. " " .. tostring(signal))
  end

  -- The child's own PATH.
  local r = process.run({ "printenv", "X" }, { clear_env = true, env = { X = "1" } })  -- default path
  assert(r.code == 0 and r.stdout == "1\n", r.stdout)
  r = process.run({ "printenv", "X" }, { env = { X = "2", PATH = "/usr/bin:/bin" } })
  assert(r.code == 0 and r.stdout == "2\n", r.stdout)
  local ok, e = pcall(process.run, { "printenv" }, { env = { PATH = "/nonexistent" } })
  assert(not ok and tostring(e) == "std.process.run: cannot run 'printenv': no such file or directory (ENOENT)",
    tostring(e))
  -- A path with a slash is not looked up.
  r = process.run({ "/bin/sh", "-c", "exit 4" }, { clear_env = true })
  assert(r.code == 4)
end)
print("ok")
