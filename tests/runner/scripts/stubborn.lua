-- A task that swallows every cancellation: only a hard abort stops it.
-- Once cancelled, sleep raises without suspending, so the loop also calls
-- yield, which gives the event loop a turn before it raises: without that
-- turn the task would spin and no signal could be handled (no preemption yet).
std.task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function()
    print("task closed"); io.stdout:flush()
  end })
  print("ready"); io.stdout:flush()
  local told = false
  while true do
    local ok, err = pcall(std.task.sleep, 10)
    if not ok and not told then
      told = true
      print("ignoring " .. tostring(err)); io.stdout:flush()
    end
    pcall(std.task.yield)
  end
end)
