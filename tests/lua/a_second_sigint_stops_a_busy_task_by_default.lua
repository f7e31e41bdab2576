-- expect-exit: 130
-- expect-stdout: closed
-- By default a busy task still hears Ctrl-C: the second SIGINT hard-aborts
-- it and its __close handler runs.
local task = std.task
local pid = io.open("/proc/self/stat"):read("n")
local h = task.spawn(function()
  local _ <close> = setmetatable({}, { __close = function() print("closed"); io.stdout:flush() end })
  io.popen("kill -INT " .. pid):close()
  io.popen("kill -INT " .. pid):close()
  while true do end
end)
h:join()
