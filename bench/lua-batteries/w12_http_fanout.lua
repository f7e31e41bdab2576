-- W12 http_fanout: N GETs of URL, INFLIGHT at a time (INFLIGHT tasks
-- taking the next request in turn), with std.http; every body is checked.
--   lua-batteries w12_http_fanout.lua N INFLIGHT URL
local task, time, http = std.task, std.time, std.http
local n, inflight, url = tonumber(arg[1]), tonumber(arg[2]), arg[3]
assert(n and inflight and url, "usage: w12_http_fanout.lua N INFLIGHT URL")

local next_request, bytes = 0, 0
local start = time.monotonic()
task.scope(function(scope)
  for _ = 1, inflight do
    scope:spawn(function()
      while next_request < n do
        next_request = next_request + 1
        local r = http.get(url)
        assert(r.status == 200)
        bytes = bytes + #r.body
      end
    end)
  end
end)
local seconds = time.monotonic() - start
assert(bytes == n * 1024, "short bodies")
print(string.format("RESULT seconds=%.9f", seconds))
