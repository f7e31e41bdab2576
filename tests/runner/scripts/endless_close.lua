-- A task whose __close handler never returns once a hard abort runs it:
-- the next hard abort (the second Ctrl-C) cuts it.
std.task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function()
    print("closing"); io.stdout:flush()
    while true do end
  end })
  print("ready"); io.stdout:flush()
  while true do
    pcall(std.task.sleep, 10)
    pcall(std.task.yield)
  end
end)
