-- start_server(): starts tests/lua/support/http_server.py (a real HTTP
-- server on 127.0.0.1) and returns its base URL and a function that stops
-- it. Loaded with
--   local start_server = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/http_server.lua")
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
return function()
  local p = assert(io.popen("exec python3 '" .. here .. "http_server.py'"))
  local port = assert(tonumber(p:read("l")), "the test server did not start")
  local base = "http://127.0.0.1:" .. port
  return base, function()
    pcall(std.http.get, base .. "/quit")
    p:close()
  end
end
