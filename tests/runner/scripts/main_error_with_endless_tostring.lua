-- A main chunk error whose __tostring never returns still ends the run
-- with exit status 1 and a placeholder message; the tasks are cancelled as
-- usual.
std.task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function() io.stdout:write("task cleaned up\n") end })
  std.task.sleep(100000)
end)
std.task.sleep(1)
error(setmetatable({}, { __tostring = function() while true do end end }))
