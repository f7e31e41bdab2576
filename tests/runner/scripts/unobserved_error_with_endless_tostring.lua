-- Unjoined task errors whose __tostring never returns (a plain loop; one
-- that catches the stop with pcall and removes the hooks it can see) are
-- still reported, with a placeholder text, and the run ends normally.
local task = std.task
task.spawn(function()
  error(setmetatable({}, { __tostring = function() while true do end end }))
end, { name = "plain" })
task.spawn(function()
  error(setmetatable({}, { __tostring = function()
    while true do
      debug.sethook()
      pcall(function() while true do end end)
    end
  end }))
end, { name = "defiant" })
task.sleep(1)
print("ok")
