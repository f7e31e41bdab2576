-- A channel passes the very same Lua value, of any type but nil, through
-- its buffer and straight to a waiting receiver.
local task = std.task
local t, f, co = {}, function() end, coroutine.create(function() end)
local values = { t, f, co, false, 0, -0.5, "", "text", math.huge, io.stdout }
for _, capacity in ipairs({ 0, 16 }) do
  local ch = task.channel(capacity)
  local got = {}
  task.scope(function(s)
    s:spawn(function()
      for i = 1, #values do got[i] = ch:recv() end
    end)
    s:spawn(function()
      for i = 1, #values do ch:send(values[i]) end
    end)
  end)
  for i = 1, #values do assert(rawequal(got[i], values[i]), capacity .. ": value " .. i) end
end
print("ok")
