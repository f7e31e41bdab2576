-- An echo server under 200 concurrent loopback clients, each sending 64
-- KiB in uneven pieces and reading everything back: every byte returns, in
-- order, and no descriptor is left open afterwards.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, net = std.task, std.net

h.no_fd_leak(function()
  local listener <close> = net.listen("127.0.0.1", 0)
  local served = 0
  task.scope(function(server_scope)
    server_scope:spawn(function()
      listener:serve(function(conn)
        served = served + 1
        while true do
          local data = conn:read()
          if not data then break end
          conn:write(data)
        end
      end)
    end)
    task.scope(function(clients)
      for i = 1, 200 do
        clients:spawn(function()
          local c <close> = net.connect("127.0.0.1", listener.port)
          local parts, sent = {}, 0
          local writer = task.spawn(function()
            while sent < 65536 do
              local n = math.min(1 + (i * 7919 + sent) % 5000, 65536 - sent)
              local piece = string.rep(string.char(65 + (i + sent) % 26), n)
              parts[#parts + 1] = piece
              c:write(piece)
              sent = sent + n
            end
            c:shutdown()
          end)
          local got = c:read_all()
          writer:join()
          assert(got == table.concat(parts), ("client %d: %d bytes back of %d"):format(i, #got, sent))
        end)
      end
    end)
    server_scope:cancel()
  end)
  assert(served == 200, served)
end)
print("ok")
