-- std.http keeps its connections across requests: 50 tasks making 10 GETs
-- each open 50 connections, not more, even when many requests end in one
-- loop turn (curl sizes its connection cache by the transfers in flight,
-- and those fall as they end).
local task, http = std.task, std.http
local start_server = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/http_server.lua")

local function fanout(kind)
  local base, stop = start_server(kind)
  task.scope(function(s)
    for _ = 1, 50 do
      s:spawn(function()
        for _ = 1, 10 do assert(http.get(base .. "/hello").body == "hello") end
      end)
    end
  end)
  local stats = std.json.decode(http.get(base .. "/stats").body)
  assert(stats.accepted <= 50, kind .. ": 500 GETs, 50 at a time, opened " .. stats.accepted .. " connections")
  stop()
end
fanout("python")
fanout("std.net")
print("ok")
