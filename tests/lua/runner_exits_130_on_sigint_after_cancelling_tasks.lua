-- expect-exit: 130
-- expect-stdout: task saw: task cancelled
-- SIGINT (Ctrl-C) cancels the root scope: tasks see "task cancelled", their
-- cleanups run, and the runner exits with status 130. The script sends the
-- signal to its own process (through popen: os.execute would ignore SIGINT
-- while the command runs).
local task = std.task
local pid = io.open("/proc/self/stat"):read("n")
task.spawn(function()
  local ok, err = pcall(task.sleep, 100000)
  print("task saw: " .. (ok and "nothing" or tostring(err)))
  io.stdout:flush()
end)
task.yield()
io.popen("kill -INT " .. pid):close()
task.sleep(100000) -- the main chunk waits too; the shutdown ends it
print("main chunk was not stopped")
