-- A named task asleep for good: the task dump (SIGUSR1, SIGQUIT) shows it
-- and the run goes on until Ctrl-C cancels it.
local function wait_for_work() std.task.sleep(1e9) end
std.task.spawn(function()
  local ok, err = pcall(wait_for_work)
  print("worker saw: " .. tostring(err)); io.stdout:flush()
end, { name = "worker" })
print("ready"); io.stdout:flush()
