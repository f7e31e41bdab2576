-- A root task that fails after the main chunk has returned, with an error
-- whose __tostring never returns: the end-of-run report still comes, with
-- a placeholder text.
std.task.spawn(function()
  std.task.sleep(5)
  error(setmetatable({}, { __tostring = function() local n = 0; while true do n = n + 1 end end }))
end)
print("main done")
