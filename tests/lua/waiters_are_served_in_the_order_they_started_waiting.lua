-- args: --virtual-time
-- Receivers, senders, acquirers and event waiters are served first in,
-- first out; waiters woken in the same turn run in the order they started
-- waiting.
local task = std.task

local function in_order(log, n)
  local want = {}
  for i = 1, n do want[i] = tostring(i) end
  assert(table.concat(log, ",") == table.concat(want, ","), table.concat(log, ","))
end

-- receivers
local ch = task.channel()
local log = {}
task.scope(function(s)
  for i = 1, 5 do
    s:spawn(function()
      task.sleep(i)  -- start waiting in this order
      local v = ch:recv()
      log[#log + 1] = tostring(i == v and i or ("receiver " .. i .. " got " .. v))
    end)
  end
  task.sleep(10)
  for i = 1, 5 do ch:send(i) end
end)
in_order(log, 5)

-- senders on a full channel
ch = task.channel(1)
ch:send(0)
task.scope(function(s)
  for i = 1, 5 do s:spawn(function() task.sleep(i); ch:send(i) end) end
  task.sleep(10)
  log = {}
  for i = 0, 5 do log[#log + 1] = tostring(ch:recv()) end
  table.remove(log, 1)
end)
in_order(log, 5)

-- acquirers
local sem = task.semaphore(1)
local p = sem:acquire()
log = {}
task.scope(function(s)
  for i = 1, 5 do
    s:spawn(function()
      task.sleep(i)
      local q <close> = sem:acquire()
      log[#log + 1] = tostring(i)
    end)
  end
  task.sleep(10)
  assert(sem:waiting() == 5)
  p:release()
end)
in_order(log, 5)

-- event waiters woken in one turn: spawned in the reverse order of their
-- waits, they run in the order of their waits
local ev = task.event()
log = {}
task.scope(function(s)
  for i = 1, 5 do s:spawn(function() task.sleep(6 - i); ev:wait(); log[#log + 1] = tostring(6 - i) end) end
  task.sleep(10)
  ev:set()
end)
in_order(log, 5)
print("ok")
