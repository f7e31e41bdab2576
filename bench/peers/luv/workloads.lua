-- The luv peer (Lua 5.4 + libuv through luv, callbacks as luv's own
-- examples write them): W10 tcp_echo.
--   lua5.4 workloads.lua w10 CLIENTS ROUNDS
--   lua5.4 workloads.lua empty
-- Prints "RESULT seconds=<s> [key=value ...]" as the other peers do.
local uv = require("luv")

local function w10(clients, rounds)
  local message = string.rep("x", 64)
  local latencies = {}

  local server = uv.new_tcp()
  assert(server:bind("127.0.0.1", 0))
  assert(server:listen(511, function(err)
    assert(not err, err)
    local conn = uv.new_tcp()
    server:accept(conn)
    conn:nodelay(true)
    conn:read_start(function(rerr, data)
      assert(not rerr, rerr)
      if data then
        conn:write(data)
      else
        conn:close()
      end
    end)
  end))
  local port = server:getsockname().port

  local start
  local finished, connected = 0, 0
  local conns = {}

  local function run_client(conn)
    local left, got, t0 = rounds, 0, 0
    local function send()
      t0 = uv.hrtime()
      conn:write(message)
    end
    conn:read_start(function(err, data)
      assert(not err, err)
      got = got + #data
      if got < 64 then return end
      got = 0
      latencies[#latencies + 1] = (uv.hrtime() - t0) / 1e6
      left = left - 1
      if left > 0 then return send() end
      conn:read_stop()
      conn:close()
      finished = finished + 1
      if finished == clients then
        start = uv.hrtime() - start
        server:close()
      end
    end)
    send()
  end

  for c = 1, clients do
    local conn = uv.new_tcp()
    conns[c] = conn
    conn:connect("127.0.0.1", port, function(err)
      assert(not err, err)
      conn:nodelay(true)
      connected = connected + 1
      if connected < clients then return end
      -- All connected, as the other implementations connect first.
      start = uv.hrtime()
      for i = 1, clients do run_client(conns[i]) end
    end)
  end
  uv.run()
  table.sort(latencies)
  return start / 1e9, { p99_ms = latencies[math.ceil(#latencies * 0.99)] }
end

local workloads = {
  empty = function() return 0.0, {} end,
  w10 = w10,
}

local mode = arg[1]
local fn = workloads[mode]
if not fn then
  io.stderr:write("usage: workloads.lua empty | w10 CLIENTS ROUNDS\n")
  os.exit(2)
end
local args = {}
for i = 2, #arg do args[#args + 1] = tonumber(arg[i]) end
local seconds, extra = fn(table.unpack(args))
local out = { ("RESULT seconds=%.9f"):format(seconds) }
for k, v in pairs(extra) do out[#out + 1] = ("%s=%.3f"):format(k, v) end
print(table.concat(out, " "))
