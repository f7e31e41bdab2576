-- expect-exit: 130
-- expect-stdout: closed
-- Ctrl-C reaches Lua code that cannot yield and has no deadline (a
-- table.sort comparator that never returns), as `lua` stops it with
-- "interrupted!": the second SIGINT hard-aborts the task, its __close
-- handler runs and the run ends interrupted. Before, the loop never ran
-- again, so neither SIGINT was seen.
local task = std.task
local pid = io.open("/proc/self/stat"):read("n")
local h = task.spawn(function()
  local _ <close> = setmetatable({}, { __close = function() print("closed"); io.stdout:flush() end })
  io.popen("kill -INT " .. pid):close()
  io.popen("kill -INT " .. pid):close()
  table.sort({ 3, 2, 1 }, function() while true do end end)
end)
h:join()
