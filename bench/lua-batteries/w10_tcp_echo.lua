-- W10 tcp_echo: an echo server and C clients in this process on loopback;
-- each client does R round trips of 64 bytes.
--   lua-batteries w10_tcp_echo.lua C R
-- Prints seconds for all round trips and the p99 of one round trip (ms).
local task, net, time = std.task, std.net, std.time
local clients = assert(tonumber(arg[1]), "usage: w10_tcp_echo.lua CLIENTS ROUNDS")
local rounds = assert(tonumber(arg[2]), "usage: w10_tcp_echo.lua CLIENTS ROUNDS")
local message = string.rep("x", 64)
local now = time.monotonic

local listener <close> = net.listen("127.0.0.1", 0)
local latencies = {}
local start
task.scope(function(s)
  local server = s:spawn(function()
    listener:serve(function(conn)
      while true do
        local data = conn:read(64)
        if not data then return end
        conn:write(data)
      end
    end)
  end)
  local conns = {}
  for c = 1, clients do conns[c] = net.connect("127.0.0.1", listener.port) end
  start = now()
  task.scope(function(cs)
    for c = 1, clients do
      cs:spawn(function()
        local conn = conns[c]
        for _ = 1, rounds do
          local t0 = now()
          conn:write(message)
          local got = 0
          while got < 64 do got = got + #conn:read(64 - got) end
          latencies[#latencies + 1] = now() - t0
        end
        conn:close()
      end)
    end
  end)
  start = now() - start
  s:cancel()
end)
table.sort(latencies)
print(string.format("RESULT seconds=%.9f p99_ms=%.3f", start, latencies[math.ceil(#latencies * 0.99)] * 1000))
