-- std.process.spawn gives a Process whose pipes are Streams: write input,
-- read lines, read_all, shutdown, wait for the exit; one reader at a time;
-- end of input is nil, not an error.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, process = std.task, std.process

h.no_fd_leak(function()
  local p <close> = process.spawn({ "cat" })
  assert(math.type(p.pid) == "integer" and p.pid > 0)
  assert(tostring(p.stdin):find("stdin of 'cat'", 1, true), tostring(p.stdin))
  p.stdin:write("one\ntwo\n")
  assert(p.stdout:read_line() == "one")
  assert(p.stdout:read_line() == "two")
  -- A second reader while one waits is refused.
  local reader = task.spawn(function() return p.stdout:read_line() end)
  task.yield()
  local ok, err = pcall(p.stdout.read_line, p.stdout)
  assert(not ok and err:find("std.io: stream is busy", 1, true), tostring(err))
  p.stdin:write("three\nlast without newline")
  assert(reader:join() == "three")
  p.stdin:shutdown()
  assert(p.stdout:read_line() == "last without newline")
  assert(p.stdout:read_line() == nil)
  assert(p.stdout:read() == nil)
  assert(p.stdout:read_all() == "")
  local code, signal = p:wait()
  assert(code == 0 and signal == nil)
  assert(p:wait() == 0)  -- again: same answer
  p.stdin:close()
  p.stdin:close()  -- idempotent
  assert(p.stdin:is_closed())
  ok, err = pcall(p.stdin.write, p.stdin, "x")
  assert(not ok and err:find("stream is closed", 1, true))
end)

h.no_fd_leak(function()
  -- lines(), read(n), read_all and a Process without pipes.
  local p <close> = process.spawn("printf 'a\\nbb\\nccc\\n'; printf 0123456789 >&2", { stdin = "null" })
  assert(p.stdin == nil)
  local got = {}
  for line in p.stdout:lines() do got[#got + 1] = line end
  assert(table.concat(got, ",") == "a,bb,ccc")
  assert(p.stderr:read(4) == "0123")
  assert(p.stderr:read_all() == "456789")
  assert(p:wait() == 0)

  local q <close> = process.spawn({ "true" }, { stdin = "null", stdout = "null", stderr = "null" })
  assert(q.stdout == nil and q.stderr == nil)
  assert(q:wait() == 0)

  local k <close> = process.spawn({ "sleep", "30" })
  assert(k:kill("SIGKILL") == true)
  local code, signal = k:wait()
  assert(code == nil and signal == "SIGKILL")
  assert(k:kill() == false)  -- already reaped
end)

h.no_fd_leak(function()
  -- A line longer than the stream's limit raises ELINE and keeps the data.
  local p <close> = process.spawn("printf '0123456789abcdef\\nrest\\n'")
  p.stdout:set_max_line(8)
  local ok, err = pcall(p.stdout.read_line, p.stdout)
  assert(not ok and err.kind == "io" and err.code == "ELINE", tostring(err))
  assert(p.stdout:read(16) == "0123456789abcdef")
  p.stdout:set_max_line(100)
  assert(p.stdout:read_line() == "")
  assert(p.stdout:read_line() == "rest")
  p:wait()
end)
print("ok")
