-- Helpers of the I/O tests: what the operating system says about this
-- process (its descriptors, its children, process groups), read from /proc
-- with Lua's blocking io library, which is fine for a check between steps.
--   local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local M = {}

local function read_file(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- This process's id (Lua has no getpid).
M.pid = tonumber(read_file("/proc/self/stat"):match("^(%d+)"))

-- Open descriptors of this process. The listing's own pipes are open
-- while ls runs, so every count includes them alike.
function M.fd_count()
  local r = std.process.run({ "ls", "/proc/" .. M.pid .. "/fd" })
  local n = 0
  for _ in r.stdout:gmatch("[^\n]+") do n = n + 1 end
  return n
end

-- Every process as { pid, state, ppid, pgrp } (a snapshot of /proc),
-- leaving out the `cat` that reads it and its shell.
function M.processes()
  local list = {}
  local r = std.process.run("cat /proc/[0-9]*/stat 2>/dev/null")
  for line in r.stdout:gmatch("[^\n]+") do
    local pid = tonumber(line:match("^(%d+)"))
    local state, ppid, pgrp = line:match("%) (%S) (%d+) (%d+)")
    ppid, pgrp = tonumber(ppid), tonumber(pgrp)
    if pid and state and pid ~= r.pid and ppid ~= r.pid and pgrp ~= r.pid then
      list[#list + 1] = { pid = pid, state = state, ppid = ppid, pgrp = pgrp }
    end
  end
  return list
end

-- Processes of group `pgrp` (zombies included).
function M.group_members(pgrp)
  local out = {}
  for _, p in ipairs(M.processes()) do
    if p.pgrp == pgrp then out[#out + 1] = p end
  end
  return out
end

-- This process's zombie children.
function M.zombie_children()
  local out = {}
  for _, p in ipairs(M.processes()) do
    if p.ppid == M.pid and p.state == "Z" then out[#out + 1] = p end
  end
  return out
end

function M.exists(pid)
  return read_file("/proc/" .. pid .. "/stat") ~= nil
end

-- The descriptor count once garbage is collected and the close callbacks
-- of earlier listings have run (a loop turn later).
function M.settled_fd_count()
  collectgarbage()
  collectgarbage()
  std.task.sleep(1)
  return M.fd_count()
end

-- Waits (sleeping in the task) until pred() holds or `seconds` pass;
-- returns whether it held. For what the OS does in its own time (a killed
-- process going away), with a bound far above the expected time.
function M.eventually(pred, seconds)
  local deadline = std.time.monotonic() + (seconds or 5)
  while not pred() do
    if std.time.monotonic() > deadline then return false end
    std.task.sleep(10)
  end
  return true
end

-- Runs fn and checks that this process has as many descriptors after it
-- as before. libuv opens /dev/null once, for the first child process
-- whose descriptor is ignored, and keeps it: a child runs first, so that
-- the count starts with it.
local warmed_up = false
function M.no_fd_leak(fn)
  if not warmed_up then
    std.process.run({ "true" })
    warmed_up = true
  end
  -- Garbage from earlier code may still hold descriptors: collect it on
  -- both sides of fn.
  collectgarbage()
  collectgarbage()
  std.task.sleep(1)
  local before = M.fd_count()
  fn()
  collectgarbage()
  collectgarbage()
  std.task.sleep(1)  -- close callbacks run on the next loop turn
  -- Work the runtime finishes in the background (a cancelled name lookup
  -- still running on the threadpool, where the resolver opens files and
  -- sockets of its own) may hold descriptors for a moment.
  local after
  M.eventually(function() after = M.fd_count() return after == before end, 3)
  if after ~= before then
    local list = std.process.run({ "ls", "-l", "/proc/" .. M.pid .. "/fd" }).stdout
    error(("descriptors: %d before, %d after:\n%s"):format(before, after, list), 2)
  end
end

-- A fresh directory under /tmp for fn(dir), removed with everything in it
-- afterwards (also when fn fails).
function M.with_temp_dir(fn)
  local dir = ("/tmp/lb-test-%d-%d"):format(M.pid, math.random(1, 1 << 30))
  std.fs.mkdir(dir)
  local ok, err = pcall(fn, dir)
  std.fs.remove(dir, { recursive = true })
  if not ok then error(err, 0) end
end

return M
