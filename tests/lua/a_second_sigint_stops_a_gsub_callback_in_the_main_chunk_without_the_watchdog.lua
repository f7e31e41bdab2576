-- expect-exit: 130
-- args: --no-watchdog
-- Even without the watchdog (no timer, no preemption signal), the second
-- Ctrl-C stops Lua code that cannot yield: a string.gsub callback that
-- never returns, in the main chunk.
local pid = io.open("/proc/self/stat"):read("n")
io.popen("kill -INT " .. pid):close()
io.popen("kill -INT " .. pid):close()
string.gsub("x", "x", function() while true do end end)
