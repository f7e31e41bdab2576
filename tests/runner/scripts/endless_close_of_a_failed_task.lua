-- A __close handler that never returns, run as its task fails once the
-- first Ctrl-C cancelled it: cleanup code, which the second Ctrl-C cuts.
std.task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function()
    print("closing"); io.stdout:flush()
    while true do end
  end })
  print("ready"); io.stdout:flush()
  pcall(std.task.sleep, 60000)
  error("fails after the cancel")
end)
