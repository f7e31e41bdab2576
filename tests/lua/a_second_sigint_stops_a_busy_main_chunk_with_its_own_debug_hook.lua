-- expect-exit: 130
-- expect-stdout: closed
-- A script's own debug hook does not keep Ctrl-C away from a busy main
-- chunk: the second SIGINT hard-aborts it (lua.c drops the hook alike).
local pid = io.open("/proc/self/stat"):read("n")
local _ <close> = setmetatable({}, { __close = function() print("closed"); io.stdout:flush() end })
debug.sethook(function() end, "", 1 << 30)
io.popen("kill -INT " .. pid):close()
io.popen("kill -INT " .. pid):close()
while true do end
