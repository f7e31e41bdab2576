-- A __close handler that never returns, run by coroutine.close in a task
-- that the first Ctrl-C cancelled: cleanup code, which the second Ctrl-C
-- cuts.
std.task.spawn(function()
  local co = coroutine.create(function()
    local guard <close> = setmetatable({}, { __close = function()
      print("closing"); io.stdout:flush()
      while true do end
    end })
    coroutine.yield()
  end)
  coroutine.resume(co)
  print("ready"); io.stdout:flush()
  pcall(std.task.sleep, 60000)
  coroutine.close(co)
end)
