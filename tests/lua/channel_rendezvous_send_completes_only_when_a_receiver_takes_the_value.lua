-- args: --virtual-time
-- On a rendezvous channel a send completes only when a receiver takes the
-- value: a sender waits for a receiver that comes later, and a receiver
-- already waiting gets the value at once (it is never counted by len()).
local task = std.task
local t0 = std.time.monotonic()
local function now() return math.floor((std.time.monotonic() - t0) * 1000 + 0.5) end

local ch = task.channel()
assert(ch:capacity() == 0 and ch:len() == 0 and not ch:is_closed())
local log = {}
task.scope(function(s)
  s:spawn(function()
    ch:send("first")
    log[#log + 1] = "sent first at " .. now()
  end)
  s:spawn(function()
    task.sleep(30)
    assert(ch:len() == 0, "a waiting sender's value is not buffered")
    local v = ch:recv()
    log[#log + 1] = "received " .. v .. " at " .. now()
  end)
end)
assert(table.concat(log, "; ") == "received first at 30; sent first at 30", table.concat(log, "; "))

-- a receiver that waits first: the send completes without waiting
log = {}
task.scope(function(s)
  s:spawn(function()
    local v = ch:recv()  -- (a value, not log[#log + 1] = ch:recv(): the slot would be picked before the wait)
    log[#log + 1] = "got " .. v
  end)
  s:spawn(function()
    task.sleep(10)
    ch:send("second")
    assert(ch:len() == 0)
    log[#log + 1] = "send returned at " .. now()
  end)
end)
assert(table.concat(log, "; ") == "send returned at 40; got second", table.concat(log, "; "))
assert(ch:try_send("x") == false, "no receiver waits: try_send cannot complete")
print("ok")
