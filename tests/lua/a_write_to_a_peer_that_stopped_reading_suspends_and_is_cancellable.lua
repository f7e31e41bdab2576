-- Writing to a peer that does not read suspends the writer once the pipe
-- is full (backpressure) and lets other tasks run; the write is
-- cancellable, and a write cancelled part-way leaves the stream closed for
-- writing (ECANCELED): nobody knows how much the peer got.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, process = std.task, std.process

h.no_fd_leak(function()
  local p <close> = process.spawn({ "sleep", "30" }, { stdout = "null", stderr = "null" })
  local chunk = string.rep("x", 1024 * 1024)
  local others_ran = 0
  local ticker = task.spawn(function()
    while true do task.sleep(5) others_ran = others_ran + 1 end
  end)
  
  local ok, err = pcall(task.with_timeout, 200, function()
    for _ = 1, 64 do p.stdin:write(chunk) end
  end)
  assert(not ok and err.kind == "timeout", tostring(err))
  assert(others_ran >= 5, "the writer blocked the loop: " .. others_ran)
  ticker:abort()
  ok, err = pcall(p.stdin.write, p.stdin, "more")
  assert(not ok and err.kind == "io" and err.code == "ECANCELED", tostring(err))
  -- p closes here: SIGTERM, reaped.
end)

h.no_fd_leak(function()
  -- A peer that went away: EPIPE, not a dead runner.
  local p <close> = process.spawn({ "true" })
  assert(p:wait() == 0)
  local ok, err
  for _ = 1, 100 do  -- the first writes may still fit in the pipe
    ok, err = pcall(p.stdin.write, p.stdin, string.rep("y", 65536))
    if not ok then break end
  end
  assert(not ok and err.kind == "io" and err.code == "EPIPE", tostring(err))
end)
print("ok")
