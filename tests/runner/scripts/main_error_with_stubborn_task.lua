-- A task that ignores the shutdown cancellation is hard-aborted when the
-- grace window ends; its __close handler still runs.
local task = std.task
task.spawn(function()
  local g <close> = setmetatable({}, { __close = function()
    io.write("closed-by-hard-abort\n")
    io.stdout:flush()
  end })
  while true do pcall(task.yield) end
end)
task.sleep(5)
error("main fails while a stubborn task runs")
