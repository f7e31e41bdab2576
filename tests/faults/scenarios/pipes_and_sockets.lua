-- I/O objects under allocation failure: a child's pipes (write, read a
-- line, read to the end), a Unix-domain socket pair made by
-- listen_unix/connect_unix, and a file through the threadpool. Whatever allocation fails, no process,
-- descriptor or handle may be left behind and lua_close must still end
-- with uv_loop_close() == 0.
local task, process, net, fs = std.task, std.process, std.net, std.fs

local p <close> = process.spawn({ "cat" })
p.stdin:write("hello\nworld")
assert(p.stdout:read_line() == "hello")
p.stdin:close()
assert(p.stdout:read_all() == "world")
assert(p:wait() == 0)

local path = os.tmpname()
os.remove(path)
local l <close> = net.listen_unix(path)
task.scope(function(s)
  s:spawn(function()
    local c <close> = l:accept()
    assert(c:read_line() == "ping")
    c:write("pong\n")
  end)
  local c <close> = net.connect_unix(path)
  c:write("ping\n")
  assert(c:read_line() == "pong")
end, { fail_fast = true })  -- a server task that ran out of memory stops the client
fs.write(path .. ".txt", "a\nb\n")
local n = 0
for _ in fs.lines(path .. ".txt") do n = n + 1 end
assert(n == 2)
fs.remove(path .. ".txt")
