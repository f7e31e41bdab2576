-- The workloads on Lua 5.4 + cqueues (Debian lua-cqueues).
--
--   lua5.4 workloads.lua WORKLOAD [SIZES...]
--
-- WORKLOAD is one of empty, w1..w4, w6, w7 (see shared/bench/WORKLOADS.md), w8,
-- w8b, w9, w10 (docs/performance.md);
-- prints "RESULT seconds=..." for the measured part. cqueues cannot stop a
-- running coroutine, so there is no with_timeout (W5); W4 cancels through a
-- condition variable every sleeper waits on, W6 nests one controller per
-- scope.
local cqueues = require "cqueues"
local condition = require "cqueues.condition"

local now = cqueues.monotime
local poll, sleep = cqueues.poll, cqueues.sleep

-- Runs fn in a new controller and loops it until everything in it ends.
local function run(fn)
  local cq = cqueues.new()
  cq:wrap(fn)
  assert(cq:loop())
end

local workloads = {}

function workloads.empty() return 0 end

function workloads.w1(n)
  local seconds
  run(function()
    local start = now()
    local scope = cqueues.new()
    for i = 1, n do scope:wrap(function() return i end) end
    assert(scope:loop())
    seconds = now() - start
  end)
  return seconds
end

function workloads.w2(n)
  local cq = cqueues.new()
  local function yielder()
    for _ = 1, n do poll() end
  end
  local start = now()
  cq:wrap(yielder)
  cq:wrap(yielder)
  assert(cq:loop())
  return now() - start
end

function workloads.w3(n, ms)
  local seconds_asleep = (ms or 50) / 1000
  local cq = cqueues.new()
  local function sleeper() sleep(seconds_asleep) end
  local start = now()
  for _ = 1, n do cq:wrap(sleeper) end
  assert(cq:loop())
  return now() - start
end

function workloads.w4(n)
  local cancelled = condition.new()
  local cq = cqueues.new()
  local function sleeper() poll(cancelled, 3600) end
  for _ = 1, n do cq:wrap(sleeper) end
  local start
  cq:wrap(function()
    poll()  -- every sleeper has started and is asleep
    start = now()
    cancelled:signal()
  end)
  assert(cq:loop())
  return now() - start
end

function workloads.w6(reps, depth)
  local function child() poll() end
  local function nest(level)
    if level == 0 then return end
    local scope = cqueues.new()
    scope:wrap(child)
    nest(level - 1)
    assert(scope:loop())
  end
  local seconds
  run(function()
    local start = now()
    for _ = 1, reps do nest(depth) end
    seconds = now() - start
  end)
  return seconds
end

function workloads.w7(n)
  local seed = 42
  local lateness_ms = {}
  local cq = cqueues.new()
  local start = now()
  for i = 1, n do
    seed = seed * 48271 % 2147483647  -- MINSTD, as every implementation
    local delay = 1 + seed % 100
    cq:wrap(function()
      local asked = now() + delay / 1000
      sleep(delay / 1000)
      lateness_ms[i] = (now() - asked) * 1000
    end)
  end
  assert(cq:loop())
  local seconds = now() - start
  table.sort(lateness_ms)
  local function percentile(q) return lateness_ms[math.max(1, math.ceil(q * n))] end
  return seconds, string.format(" p50_ms=%.3f p99_ms=%.3f max_ms=%.3f",
    percentile(0.50), percentile(0.99), lateness_ms[n])
end

-- A queue of values with a condition variable its receivers wait on
-- (W8, W8B): cqueues has no channel. `capacity` bounds it (senders wait on
-- a second condition); nil: unbounded.
local function new_queue(capacity)
  local q = {first = 1, last = 0, readable = condition.new(), writable = condition.new()}
  function q.send(v)
    while capacity and q.last - q.first + 1 >= capacity do q.writable:wait() end
    q.last = q.last + 1
    q[q.last] = v
    q.readable:signal(1)
  end
  function q.recv()
    while q.last < q.first do q.readable:wait() end
    local v = q[q.first]
    q[q.first] = nil
    q.first = q.first + 1
    q.writable:signal(1)
    return v
  end
  return q
end

-- W8: a ping-pong needs no rendezvous (each side waits for the reply).
function workloads.w8(n)
  local ping, pong = new_queue(), new_queue()
  local rounds = n // 2
  local cq = cqueues.new()
  local start = now()
  cq:wrap(function()
    for _ = 1, rounds do pong.send(ping.recv() + 1) end
  end)
  cq:wrap(function()
    local v = 0
    for _ = 1, rounds do
      ping.send(v)
      v = pong.recv()
    end
    assert(v == rounds)
  end)
  assert(cq:loop())
  return now() - start
end

function workloads.w8b(n)
  local q = new_queue(64)
  local cq = cqueues.new()
  local start = now()
  cq:wrap(function()
    for i = 1, n do q.send(i) end
    q.send(false)
  end)
  cq:wrap(function()
    local total = 0
    while true do
      local v = q.recv()
      if not v then break end
      total = total + v
    end
    assert(total == n * (n + 1) // 2)
  end)
  assert(cq:loop())
  return now() - start
end

-- W9: a counter and a condition variable; a release wakes one waiter.
function workloads.w9(n)
  local available, freed = 100, condition.new()
  local function limited()
    while available == 0 do freed:wait() end
    available = available - 1
    poll()
    available = available + 1
    freed:signal(1)
  end
  local cq = cqueues.new()
  local start = now()
  for _ = 1, n do cq:wrap(limited) end
  assert(cq:loop())
  assert(available == 100)
  return now() - start
end

-- W10: cqueues sockets. The server reads up to 64 bytes (read(-64)) and
-- writes them back; clients read exactly 64. Output is unbuffered ("bn"),
-- so every write is sent at once, as the other implementations do.
function workloads.w10(clients, rounds)
  local socket = require "cqueues.socket"
  local message = string.rep("x", 64)
  local latencies = {}
  local seconds
  run(function()
    local cq = cqueues.running()
    local srv = socket.listen{host = "127.0.0.1", port = 0, nodelay = true}
    local _, _, port = srv:localname()
    cq:wrap(function()
      for _ = 1, clients do
        local con = assert(srv:accept())
        con:setmode("b", "bn")
        cq:wrap(function()
          while true do
            local data = con:read(-64)
            if not data then break end
            con:write(data)
          end
          con:close()
        end)
      end
      srv:close()
    end)
    local conns = {}
    for c = 1, clients do
      local con = socket.connect{host = "127.0.0.1", port = port, nodelay = true}
      assert(con:connect())
      con:setmode("b", "bn")
      conns[c] = con
    end
    local start = now()
    local group = cqueues.new()
    for c = 1, clients do
      group:wrap(function()
        local con = conns[c]
        for _ = 1, rounds do
          local t0 = now()
          con:write(message)
          assert(#con:read(64) == 64)
          latencies[#latencies + 1] = now() - t0
        end
        con:close()
      end)
    end
    assert(group:loop())
    seconds = now() - start
  end)
  table.sort(latencies)
  return seconds, string.format(" p99_ms=%.3f", latencies[math.ceil(#latencies * 0.99)] * 1000)
end

local name = arg[1]
if not workloads[name] then
  io.stderr:write("usage: workloads.lua {empty|w1|w2|w3|w4|w6|w7|w8|w8b|w9|w10} [SIZES...]\n")
  os.exit(2)
end
local sizes = {}
for i = 2, #arg do sizes[#sizes + 1] = math.tointeger(tonumber(arg[i])) end
local seconds, extra = workloads[name](table.unpack(sizes))
print(string.format("RESULT seconds=%.9f%s", seconds, extra or ""))
