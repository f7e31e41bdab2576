-- std.net.connect looks names up at most UV_THREADPOOL_SIZE - 1 at a time
-- (here 1, in a child runner with a pool of 2), the others waiting in
-- order; a connect cancelled while its lookup waits leaves the queue, one
-- cancelled while it runs gives its turn back, and file work still runs.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")

local child = [[
local task, net = std.task, std.net
local l <close> = net.listen("127.0.0.1", 0)
local accepted = 0
task.spawn(function()
  while true do l:accept():close(); accepted = accepted + 1 end
end)
-- 64 at once: each waits for its turn and connects.
task.scope(function(s)
  for _ = 1, 64 do s:spawn(function() net.connect("localhost", l.port):close() end) end
  -- File work shares the pool and is not starved meanwhile.
  std.fs.write(arg[1], "written while lookups waited")
end)
-- 64 more, cancelled while most wait in the queue.
local cancelled = 0
task.scope(function(s)
  for _ = 1, 64 do
    s:spawn(function()
      local ok, err = pcall(net.connect, "localhost", l.port)
      if ok then err:close() elseif task.is_cancelled(err) then cancelled = cancelled + 1 else error(err) end
    end)
  end
  task.yield()
  s:cancel()
end)
-- No turn was lost: lookups still go through, one after another.
for _ = 1, 8 do net.connect("localhost", l.port):close() end
print(("connected, %d cancelled"):format(cancelled))
os.exit(0)
]]

h.no_fd_leak(function()
  h.with_temp_dir(function(dir)
    std.fs.write(dir .. "/child.lua", child)
    local r = std.process.run({ arg[-1], dir .. "/child.lua", dir .. "/out" },
      { env = { UV_THREADPOOL_SIZE = "2" } })
    assert(r.code == 0, r.stderr)
    local cancelled = tonumber(r.stdout:match("^connected, (%d+) cancelled"))
    assert(cancelled and cancelled > 0, r.stdout)
    assert(std.fs.read(dir .. "/out") == "written while lookups waited")
  end)
end)
print("ok")
