-- std.http under allocation failure: a GET and a POST (with headers) to
-- a server of this script on loopback, and a request to a closed port.
-- Whatever allocation fails, no transfer, socket or handle may be left
-- behind and lua_close must still end with uv_loop_close() == 0.
local task, net, http = std.task, std.net, std.http

local l <close> = net.listen("127.0.0.1", 0)
local base = "http://127.0.0.1:" .. l.port
local function answer(c)
  local request, length = c:read_line(), 0
  repeat
    local line = c:read_line()
    length = tonumber(line and line:lower():match("^content%-length:%s*(%d+)")) or length
  until line == nil or line == "" or line == "\r"
  local got = ""
  while #got < length do got = got .. assert(c:read(length - #got)) end
  local body = request:match("^POST") and "posted " .. got or "hello"
  c:write("HTTP/1.1 200 OK\r\nContent-Length: " .. #body .. "\r\nConnection: close\r\nX-A: 1\r\n\r\n" .. body)
end
task.scope(function(s)
  s:spawn(function()
    for _ = 1, 2 do
      local c <close> = l:accept()
      answer(c)
    end
  end)
  assert(http.get(base .. "/hello").body == "hello")
  local r = http.post(base .. "/post", "{}", { headers = { ["X-B"] = "2" } })
  assert(r.status == 200 and r.body == "posted {}" and r.headers["x-a"] == "1")
end, { fail_fast = true })  -- a server task that ran out of memory stops the client
l:close()
local ok, err = pcall(http.get, base .. "/")
assert(not ok and (err.code == "ECONNREFUSED" or tostring(err):find("not enough memory", 1, true)), tostring(err))
