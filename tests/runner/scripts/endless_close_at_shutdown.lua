-- A __close handler that never returns, run by a with_timeout's hard abort
-- while the run shuts down after a main chunk error: the shutdown's grace
-- expiry, the next hard abort, cuts it.
std.task.spawn(function()
  std.task.with_timeout(50, function()
    local guard <close> = setmetatable({}, { __close = function()
      print("closing"); io.stdout:flush()
      while true do end
    end })
    while true do
      pcall(std.task.sleep, 10)
      pcall(std.task.yield)
    end
  end, { grace_ms = 0 })
end)
std.task.sleep(10)
error("main fails")
