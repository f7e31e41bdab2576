-- start_server(kind): starts an HTTP/1.1 server on 127.0.0.1 and returns
-- its base URL and a function that stops it. kind "python" (the default):
-- tests/lua/support/http_server.py, a separate process; kind "std.net":
-- the same routes served by tasks of the calling script
-- (http_server_net.lua). Loaded with
--   local start_server = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/http_server.lua")
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
local start_net_server = dofile(here .. "http_server_net.lua")
return function(kind)
  if kind == "std.net" then return start_net_server() end
  assert(kind == nil or kind == "python", "unknown server kind")
  local p = assert(io.popen("exec python3 '" .. here .. "http_server.py'"))
  local port = assert(tonumber(p:read("l")), "the test server did not start")
  local base = "http://127.0.0.1:" .. port
  return base, function()
    pcall(std.http.get, base .. "/quit")
    p:close()
  end
end
