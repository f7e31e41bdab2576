-- A main chunk error whose __tostring removes every hook it can see
-- (debug.sethook) and loops, catching each stop with pcall: the run still
-- ends with exit status 1 and a placeholder message.
error(setmetatable({}, { __tostring = function()
  while true do
    debug.sethook()
    pcall(function() while true do end end)
  end
end }))
