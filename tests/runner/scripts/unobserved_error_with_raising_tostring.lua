-- An unjoined task error whose __tostring raises is still reported as a
-- warning, with the conversion error instead of the text; the run ends
-- normally.
std.task.spawn(function()
  error(setmetatable({}, { __tostring = function() error("tostring refused") end }))
end)
std.task.sleep(1)
print("ok")
