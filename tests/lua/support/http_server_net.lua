-- start_net_server(): the routes of http_server.py, served by an HTTP/1.1
-- server written with std.net and run by tasks of the calling script (on
-- its own loop, beside the client under test). Returns the base URL and a
-- function that stops it: it cancels the server's scope, which stops
-- accepting and cancels every connection's task, and waits for them.
-- Loaded with
--   local start_net_server = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/http_server_net.lua")
-- Routes: /hello, /slow?ms=N (stops early when the client goes),
-- /redirect/N, /missing (404), /bytes?n=N, /echo, /headers, /stats, as
-- in http_server.py; anything else is 404 "no route".
local task, net, json = std.task, std.net, std.json

local reasons = { [200] = "OK", [302] = "Found", [400] = "Bad Request", [404] = "Not Found" }

-- One request's head: method, target, lower-case headers; nil at the end
-- of the connection.
local function read_head(s)
  local line = s:read_line()
  if not line then return nil end
  local method, target = line:gsub("\r$", ""):match("^(%u+) (%S+) HTTP/1%.%d$")
  if not method then return false end
  local headers = {}
  for header in s:lines() do
    header = header:gsub("\r$", "")
    if header == "" then break end
    local name, value = header:match("^([^:]+):%s*(.-)%s*$")
    if name then headers[name:lower()] = value end
  end
  return method, target, headers
end

local function read_body(s, length)
  local parts, got = {}, 0
  while got < length do
    local chunk = s:read(length - got)
    if not chunk then break end
    parts[#parts + 1] = chunk
    got = got + #chunk
  end
  return table.concat(parts)
end

local function reply(s, method, status, body, content_type, extra)
  local head = {
    ("HTTP/1.1 %d %s"):format(status, reasons[status] or "Status"),
    "Content-Type: " .. (content_type or "text/plain"),
    "Content-Length: " .. #body,
  }
  for _, h in ipairs(extra or {}) do head[#head + 1] = h end
  head[#head + 1] = "\r\n"
  s:write(table.concat(head, "\r\n") .. (method == "HEAD" and "" or body))
end

return function()
  local stats = { open = 0, accepted = 0, slow_running = 0, slow_abandoned = 0 }

  -- Waits up to ms for the client to go; true if it went.
  local function client_gone(s, ms)
    local ok, err = pcall(task.with_timeout, ms, function() return s:read(1) end)
    if ok then return err == nil end  -- nil: the end of the connection
    if task.is_cancelled(err) then error(err, 0) end
    if err.kind == "timeout" then return false end
    if err.kind == "io" then return true end  -- reset by the peer
    error(err, 0)
  end

  local function route(s, method, target, headers, body)
    local path, query = target:match("^([^?]*)%??(.*)$")
    local n = tonumber(query:match("n=(%d+)")) or 0
    if path == "/hello" then
      reply(s, method, 200, "hello")
    elseif path == "/slow" then
      stats.slow_running = stats.slow_running + 1
      local ok, gone = pcall(client_gone, s, tonumber(query:match("ms=(%d+)")) or 1000)
      stats.slow_running = stats.slow_running - 1
      if not ok then error(gone, 0) end
      if gone then
        stats.slow_abandoned = stats.slow_abandoned + 1
        return false
      end
      reply(s, method, 200, "slow done")
    elseif path:match("^/redirect/%d+$") then
      local left = tonumber(path:match("%d+$"))
      if left == 0 then
        reply(s, method, 200, "done")
      else
        reply(s, method, 302, "", nil, { "Location: /redirect/" .. (left - 1) })
      end
    elseif path == "/missing" then
      reply(s, method, 404, "not found")
    elseif path == "/bytes" then
      reply(s, method, 200, ("x"):rep(n))
    elseif path == "/echo" then
      reply(s, method, 200, json.encode({ method = method, content_type = headers["content-type"],
                                          custom = headers["x-test"], body = body }), "application/json")
    elseif path == "/headers" then
      reply(s, method, 200, "h", nil, { "Set-Cookie: a=1", "Set-Cookie: b=2", "X-Custom: yes" })
    elseif path == "/stats" then
      reply(s, method, 200, json.encode(stats), "application/json")
    else
      reply(s, method, 404, "no route")
    end
    return headers.connection ~= "close"
  end

  -- One connection: requests in turn until the client closes it.
  local function handle(s)
    stats.open = stats.open + 1
    stats.accepted = stats.accepted + 1
    local _ <close> = setmetatable({}, { __close = function() stats.open = stats.open - 1 end })
    local ok, err = pcall(function()
      while true do
        local method, target, headers = read_head(s)
        if method == nil then return end
        if method == false then
          reply(s, "GET", 400, "bad request")
          return
        end
        local body = read_body(s, tonumber(headers["content-length"]) or 0)
        if not route(s, method, target, headers, body) then return end
      end
    end)
    -- A peer that resets its connection ends it; anything else is a bug.
    if not ok and not (type(err) == "table" and err.kind == "io") then error(err, 0) end
  end

  local listener = net.listen("127.0.0.1", 0)
  local server_scope
  local server = task.spawn(function()
    task.scope(function(s)
      server_scope = s
      s:spawn(function() listener:serve(handle) end)
    end)
  end, { name = "http server" })
  task.yield()  -- the scope exists
  return "http://127.0.0.1:" .. listener.port, function()
    server_scope:cancel()
    pcall(server.join, server)
    listener:close()
  end
end
