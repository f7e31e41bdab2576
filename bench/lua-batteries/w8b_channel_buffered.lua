-- W8B channel_buffered: one producer sends N integers into a channel of
-- capacity 64, one consumer receives them all.
--   lua-batteries w8b_channel_buffered.lua N
local task, time = std.task, std.time
local n = assert(tonumber(arg[1]), "usage: w8b_channel_buffered.lua N")

local ch = task.channel(64)
local start = time.monotonic()
task.scope(function(scope)
  scope:spawn(function()
    for i = 1, n do ch:send(i) end
    ch:close()
  end)
  scope:spawn(function()
    local sum = 0
    for v in ch:iter() do sum = sum + v end
    assert(sum == n * (n + 1) // 2)
  end)
end)
local seconds = time.monotonic() - start
print(string.format("RESULT seconds=%.9f", seconds))
