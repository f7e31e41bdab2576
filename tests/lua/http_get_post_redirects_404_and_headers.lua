-- std.http against real HTTP/1.1 servers on 127.0.0.1 (python3's and one
-- written with std.net, running in this script's own tasks): GET, POST (JSON
-- content type by default), request() with method and headers; a redirect
-- chain is followed (url is the final one) or not; a 404 is a response;
-- response header names are lower-case and repeated ones are joined; a
-- body over max_body raises EOVERFLOW; a refused connection raises kind
-- "io"; bad options raise argument errors. Connections are reused.
local http = std.http
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
local start_server = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/http_server.lua")
local function check(kind)
  local base, stop = start_server(kind)

  local r = http.get(base .. "/hello")
  assert(r.status == 200 and r.body == "hello" and r.url == base .. "/hello", r.body)
  assert(r.headers["content-type"] == "text/plain" and r.headers["content-length"] == "5")
  assert(require("std.http") == http)

  local e = std.json.decode(http.post(base .. "/echo", '{"a":1}').body)
  assert(e.method == "POST" and e.content_type == "application/json" and e.body == '{"a":1}')
  e = std.json.decode(http.post(base .. "/echo", "x=1", {headers = {["Content-Type"] = "text/plain"}}).body)
  assert(e.content_type == "text/plain" and e.body == "x=1")
  e = std.json.decode(http.request({url = base .. "/echo", method = "PUT", body = "b", headers = {["X-Test"] = "t"}}).body)
  assert(e.method == "PUT" and e.custom == "t" and e.body == "b")
  r = http.request({url = base .. "/hello", method = "HEAD"})
  assert(r.status == 200 and r.body == "")

  r = http.get(base .. "/redirect/5")
  assert(r.status == 200 and r.body == "done" and r.url == base .. "/redirect/0", r.url)
  r = http.get(base .. "/redirect/3", {follow_redirects = false})
  assert(r.status == 302 and r.headers.location == "/redirect/2")
  local ok, err = pcall(http.get, base .. "/redirect/12")
  assert(not ok and err.kind == "io" and err.code == "CURLE_TOO_MANY_REDIRECTS", tostring(err))

  r = http.get(base .. "/missing")
  assert(r.status == 404 and r.body == "not found")

  r = http.get(base .. "/headers")
  assert(r.headers["set-cookie"] == "a=1, b=2" and r.headers["x-custom"] == "yes")

  assert(#http.get(base .. "/bytes?n=1000", {max_body = 1000}).body == 1000)
  ok, err = pcall(http.get, base .. "/bytes?n=1001", {max_body = 1000})
  assert(not ok and err.kind == "io" and err.code == "EOVERFLOW" and err.op == "std.http.get", tostring(err))
  assert(tostring(err):find("over max_body (1000 bytes)", 1, true), tostring(err))

  -- connection reuse: many requests, few connections
  local before = std.json.decode(http.get(base .. "/stats").body).accepted
  for _ = 1, 20 do assert(http.get(base .. "/hello").status == 200) end
  local after = std.json.decode(http.get(base .. "/stats").body).accepted
  assert(after - before <= 1, ("20 sequential GETs opened %d connections"):format(after - before))

  -- failures and bad arguments
  ok, err = pcall(http.get, "http://127.0.0.1:1/")
  assert(not ok and err.kind == "io" and err.code == "ECONNREFUSED", tostring(err))
  assert(tostring(err):find("std.http.get: cannot fetch 'http://127.0.0.1:1/': ", 1, true), tostring(err))
  expect_error("std.http.get: unsupported URL 'ftp://x' (expected http:// or https://)", http.get, "ftp://x")
  expect_error("std.http.request: opts.url is required", http.request, {})
  expect_error("std.http.request: unknown option 'nope'", http.request, {url = base, nope = 1})
  expect_error("std.http.request: body must be a string, got number", http.request, {url = base, body = 1})
  expect_error("std.http.get: opts.max_body: expected a non-negative integer, got number", http.get, base, {max_body = -1})
  expect_error("std.http.request: opts.headers: names and values must be strings", http.request,
               {url = base, headers = {X = 1}})
  stop()
end

check("python")
check("std.net")
print("ok")
