-- std.http reuses the curl handle of a finished request for the next one:
-- requests made one after the other (so each gets the handle of the one
-- before) carry none of the options of the one before.
local http = std.http
local start_server = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/http_server.lua")
local base, stop = start_server("python")
local function echo(r) return std.json.decode(r.body) end

local e = echo(http.request({ url = base .. "/echo", method = "PUT", body = "put body",
                              headers = { ["X-Test"] = "one", ["Content-Type"] = "text/x-one" } }))
assert(e.method == "PUT" and e.body == "put body" and e.custom == "one" and e.content_type == "text/x-one")
e = echo(http.get(base .. "/echo"))
assert(e.method == "GET" and e.body == "" and e.custom == nil and e.content_type == nil, std.json.encode(e))

e = echo(http.post(base .. "/echo", "{}"))
assert(e.method == "POST" and e.content_type == "application/json")
e = echo(http.get(base .. "/echo"))
assert(e.method == "GET" and e.body == "", std.json.encode(e))

assert(http.request({ url = base .. "/redirect/1", follow_redirects = false }).status == 302)
local r = http.get(base .. "/redirect/1")
assert(r.status == 200 and r.body == "done" and r.url == base .. "/redirect/0", r.url)

assert(http.request({ url = base .. "/hello", method = "HEAD" }).body == "")
assert(http.get(base .. "/hello").body == "hello")

local ok, err = pcall(http.get, base .. "/bytes?n=100", { max_body = 10 })
assert(not ok and err.code == "EOVERFLOW", tostring(err))
assert(#http.get(base .. "/bytes?n=100").body == 100)

stop()
print("ok")
