-- A main chunk error whose __tostring raises still ends the run with exit
-- status 1 and a message on stderr; the tasks are cancelled as usual.
std.task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function() io.stdout:write("task cleaned up\n") end })
  std.task.sleep(100000)
end)
std.task.sleep(1)
error(setmetatable({}, { __tostring = function() error("tostring refused") end }))
