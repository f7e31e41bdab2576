-- std.http against a server nobody here wrote: `python3 -m http.server`
-- (HTTP/1.0, a connection per request) serving a temporary directory.
-- Files come back byte for byte, a missing one is a 404 response, HEAD has
-- no body, and 20 concurrent GETs under one deadline all answer.
local task, http, process = std.task, std.http, std.process
local dir = os.tmpname()
os.remove(dir)
std.fs.mkdir(dir)
local blob = {}
for i = 0, 255 do blob[#blob + 1] = string.char(i) end
blob = table.concat(blob):rep(300)  -- 76800 bytes, every byte value
std.fs.write(dir .. "/blob.bin", blob)
std.fs.write(dir .. "/hello.txt", "hello from a file\n")

local server <close> = process.spawn({ "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                                       "--directory", dir }, { stdin = "null", stderr = "null" })
local port = server.stdout:read_line():match("port (%d+)")
assert(port, "python3 -m http.server did not say its port")
local base = "http://127.0.0.1:" .. port

local r = http.get(base .. "/hello.txt")
assert(r.status == 200 and r.body == "hello from a file\n", r.body)
assert(r.headers["content-length"] == "18")
r = http.get(base .. "/blob.bin")
assert(r.status == 200 and r.body == blob, "the binary file came back changed")
r = http.request({ url = base .. "/blob.bin", method = "HEAD" })
assert(r.status == 200 and r.body == "" and r.headers["content-length"] == tostring(#blob))
r = http.get(base .. "/missing.txt")
assert(r.status == 404, r.status)
r = http.get(base .. "/")  -- a directory listing
assert(r.status == 200 and r.body:find("blob.bin", 1, true))

local bodies = {}
task.with_timeout(10000, function()
  for i = 1, 20 do
    task.spawn(function() bodies[i] = http.get(base .. "/hello.txt").body end)
  end
end)
for i = 1, 20 do assert(bodies[i] == "hello from a file\n", i) end

server:close()
std.fs.remove(dir, { recursive = true })
print("ok")
