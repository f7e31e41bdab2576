-- A root task fails and its handle is dropped: the warning comes once the
-- collector has found the handle, before the main chunk ends (which exits
-- without the end-of-run reports).
std.task.spawn(function() error("dropped-handle-failure-53") end)
std.task.yield()
collectgarbage()
collectgarbage()
io.stderr:write("main chunk ends\n")
-- Without closing the state: no end-of-run report can come after this.
os.exit(0)
