-- A task that sleeps forever, with a cleanup that must run on Ctrl-C; it
-- prints what its sleep raised.
std.task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function()
    print("task closed"); io.stdout:flush()
  end })
  print("ready"); io.stdout:flush()
  local ok, err = pcall(std.task.sleep, 1e9)
  print("task saw: " .. (ok and "its sleep return" or tostring(err))); io.stdout:flush()
end)
