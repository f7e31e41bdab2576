-- HTTPS against a real TLS server on 127.0.0.1 (python3's ssl module)
-- with a certificate made for this run by `openssl req -x509`:
-- - trusted through opts.ca_file, a GET succeeds;
-- - not trusted (the system's CA store does not know it), the request
--   raises kind "io" with libcurl's code and text;
-- - a ca_file that cannot be read raises too; verify_tls = false accepts
--   the certificate without trusting it;
-- - a request cancelled while the TLS handshake waits on a server that
--   never answers it ends at the deadline, and the server sees the
--   connection closed: nothing keeps running.
local task, http, net, process = std.task, std.http, std.net, std.process
local here = arg[0]:match("^(.-)[^/]*$")
local dir = os.tmpname()
os.remove(dir)
std.fs.mkdir(dir)
local cert, key = dir .. "/cert.pem", dir .. "/key.pem"
local made = process.run({ "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                           "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                           "-addext", "subjectAltName=IP:127.0.0.1" }, { stdout = "null", stderr = "null" })
assert(made.code == 0, "openssl could not make a certificate")

local server <close> = process.spawn({ "python3", "-u", here .. "support/https_server.py", cert, key },
                                     { stdin = "null", stderr = "null" })
local port = tonumber(server.stdout:read_line())
assert(port, "the HTTPS server did not say its port")
local url = "https://127.0.0.1:" .. port .. "/hello"

-- trusted
local r = http.get(url, { ca_file = cert })
assert(r.status == 200 and r.body == "hello" and r.url == url, r.body)
r = http.request({ url = url, ca_file = cert })  -- again, on the kept connection
assert(r.status == 200 and r.body == "hello")

-- not trusted
local ok, err = pcall(http.get, url)
assert(not ok and err.kind == "io" and err.code == "CURLE_PEER_FAILED_VERIFICATION", tostring(err))
assert(err.op == "std.http.get" and err.message:find("SSL certificate problem", 1, true), err.message)
ok, err = pcall(http.get, url, { ca_file = dir .. "/missing.pem" })
assert(not ok and err.kind == "io" and err.code == "CURLE_SSL_CACERT_BADFILE", tostring(err))
r = http.get(url, { verify_tls = false })
assert(r.status == 200 and r.body == "hello")
ok, err = pcall(http.get, url, { ca_file = 5 })
assert(not ok and tostring(err):find("std.http.get: opts.ca_file: expected string, got number", 1, true), tostring(err))

-- cancelled in the handshake: this server takes the connection and the
-- ClientHello, then answers nothing
local listener <close> = net.listen("127.0.0.1", 0)
local handshake = { hello_bytes = 0, closed = false }
local watcher = task.spawn(function()
  local s <close> = listener:accept()
  while true do
    local data = s:read()
    if data == nil then break end
    handshake.hello_bytes = handshake.hello_bytes + #data
  end
  handshake.closed = true
end)
local started = std.time.monotonic()
ok, err = pcall(task.with_timeout, 200, function()
  return http.get("https://127.0.0.1:" .. listener.port .. "/", { ca_file = cert })
end)
assert(not ok and err.kind == "timeout", tostring(err))
assert(std.time.monotonic() - started < 0.2 + 1, "the cancelled handshake outlasted its deadline")
task.with_timeout(5000, function() watcher:join() end)
assert(handshake.closed and handshake.hello_bytes > 0, "the server saw no ClientHello, or no close")

server:close()
std.fs.remove(dir, { recursive = true })
print("ok")
