-- for v in ch:iter() receives every value, in order, until the channel is
-- closed and drained, suspending between values as recv does.
local task = std.task
for _, capacity in ipairs({ 0, 3, math.huge }) do
  local ch = task.channel(capacity)
  local got = {}
  task.scope(function(s)
    s:spawn(function()
      for i = 1, 20 do ch:send(i) end
      ch:close()
    end)
    s:spawn(function()
      for v in ch:iter() do got[#got + 1] = v end
    end)
  end)
  assert(#got == 20, capacity .. ": " .. #got)
  for i = 1, 20 do assert(got[i] == i) end
end
print("ok")
