-- 50 concurrent GETs under one with_timeout against a server that answers
-- slowly: the deadline holds (they all end with it), and no transfer keeps
-- running: the server sees every one of those connections closed at once
-- (it gives up its slow answers), while the client works on afterwards.
-- Against python3's server and one written with std.net.
local task, http = std.task, std.http
local start_server = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/http_server.lua")
local function check(kind)
  local base, stop = start_server(kind)
  local function stats() return std.json.decode(http.get(base .. "/stats").body) end

  local cancelled = 0
  local started = std.time.monotonic()
  local ok, err = pcall(task.with_timeout, 300, function()
    for _ = 1, 50 do
      task.spawn(function()
        local done, e = pcall(http.get, base .. "/slow?ms=20000")
        if not done and task.is_cancelled(e) then cancelled = cancelled + 1 end
      end)
    end
  end)
  local elapsed = std.time.monotonic() - started
  assert(not ok and err.kind == "timeout", tostring(err))
  -- The answers would take 20 s: a second over the deadline tells the two
  -- apart on a loaded machine too.
  assert(elapsed < 0.3 + 1, ("the deadline of 300 ms ended after %.3f s"):format(elapsed))
  assert(cancelled == 50, "cancelled: " .. cancelled)

  -- the server sees the 50 connections closed (polled: its threads notice)
  local s
  for _ = 1, 100 do
    s = stats()
    if s.slow_running == 0 then break end
    task.sleep(20)
  end
  assert(s.slow_running == 0, "slow answers still running on the server: " .. s.slow_running)
  assert(s.slow_abandoned == 50, "abandoned: " .. s.slow_abandoned)
  assert(s.open <= 2, "connections still open on the server: " .. s.open)
  assert(std.time.monotonic() - started < 5, "the server took long to see the connections go")

  -- the client is intact
  assert(http.get(base .. "/hello").body == "hello")
  stop()
end

check("python")
check("std.net")
print("ok")
