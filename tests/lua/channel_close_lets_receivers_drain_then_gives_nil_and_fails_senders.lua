-- args: --virtual-time
-- close() is idempotent; values buffered before it are still received,
-- then recv returns nil. It wakes waiting receivers (nil) and waiting
-- senders, which raise the "closed" error object; later sends raise it too.
local task = std.task
local ch = task.channel(2)
ch:send("a")
ch:send("b")
ch:close()
ch:close()
assert(ch:is_closed())
assert(ch:recv() == "a" and ch:try_recv() == "b" and ch:recv() == nil and ch:recv() == nil)
local ok, err = pcall(ch.send, ch, "c")
assert(not ok and err.kind == "closed", tostring(err))
assert(err.message == "std.task.channel: send on a closed channel")
assert(tostring(err) == "std.task.channel: send on a closed channel")
assert("x: " .. err == "x: std.task.channel: send on a closed channel")
ok, err = pcall(ch.try_send, ch, "c")
assert(not ok and err.kind == "closed", tostring(err))

-- waiters woken by close
local r = task.channel()
local full = task.channel(1)
full:send("kept")
local log = {}
task.scope(function(s)
  for i = 1, 2 do
    s:spawn(function()
      local v = r:recv()
      log[#log + 1] = "recv" .. i .. "=" .. tostring(v)
    end)
  end
  s:spawn(function()
    local ok2 = pcall(r.send, r, "first")  -- a receiver waits: this one completes
    log[#log + 1] = "send to waiting receiver " .. tostring(ok2)
  end)
  s:spawn(function()
    local ok2, e = pcall(full.send, full, "lost")
    log[#log + 1] = "blocked sender " .. tostring(ok2) .. " " .. tostring(e and e.kind)
  end)
  s:spawn(function()
    task.sleep(10)
    r:close()
    full:close()
  end)
end)
table.sort(log)
assert(table.concat(log, "; ") ==
  "blocked sender false closed; recv1=first; recv2=nil; send to waiting receiver true", table.concat(log, "; "))
assert(full:recv() == "kept" and full:recv() == nil, "the buffered value survives the close")
print("ok")
