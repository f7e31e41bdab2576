-- expect-exit: 130
-- expect-stdout: closed
-- By default a busy main chunk still hears Ctrl-C: the first SIGINT starts
-- the shutdown (cancellation, which busy code does not see), the second
-- hard-aborts it; its __close handler runs.
local pid = io.open("/proc/self/stat"):read("n")
local _ <close> = setmetatable({}, { __close = function() print("closed"); io.stdout:flush() end })
io.popen("kill -INT " .. pid):close()
io.popen("kill -INT " .. pid):close()
while true do end
