-- W8 channel_pingpong: two tasks pass an integer back and forth over two
-- rendezvous channels, N hand-offs in all (one send taken by one recv).
--   lua-batteries w8_channel_pingpong.lua N
local task, time = std.task, std.time
local n = assert(tonumber(arg[1]), "usage: w8_channel_pingpong.lua N")
local rounds = n // 2

local ping, pong = task.channel(), task.channel()
local start = time.monotonic()
task.scope(function(scope)
  scope:spawn(function()
    for _ = 1, rounds do pong:send(ping:recv() + 1) end
  end)
  scope:spawn(function()
    local v = 0
    for _ = 1, rounds do
      ping:send(v)
      v = pong:recv()
    end
    assert(v == rounds)
  end)
end)
local seconds = time.monotonic() - start
print(string.format("RESULT seconds=%.9f", seconds))
