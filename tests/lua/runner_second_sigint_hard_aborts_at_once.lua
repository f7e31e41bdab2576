-- expect-exit: 130
-- expect-stdout: aborted within the grace window
-- A second SIGINT skips the rest of the grace window: a task that ignores
-- the cancellation is hard-aborted long before the 1000 ms grace ends.
local task = std.task
local pid = io.open("/proc/self/stat"):read("n")
local clock = std.time.monotonic
local first_signal
task.spawn(function()
  local g <close> = setmetatable({}, { __close = function()
    local waited = (clock() - first_signal) * 1000
    print(waited < 800 and "aborted within the grace window"
      or ("aborted only after %.0f ms"):format(waited))
    io.stdout:flush()
  end })
  while true do pcall(task.yield) end -- ignores every cancellation
end)
task.spawn(function()
  task.yield()
  first_signal = clock()
  io.popen("kill -INT " .. pid):close()
  pcall(task.sleep, 10) -- cancelled by the first signal
  local t0 = clock()
  while clock() - t0 < 0.05 do pcall(task.yield) end
  io.popen("kill -INT " .. pid):close()
  while true do pcall(task.yield) end
end)
task.sleep(100000)
