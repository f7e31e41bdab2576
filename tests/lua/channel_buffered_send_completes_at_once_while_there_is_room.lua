-- args: --virtual-time
-- A buffered channel takes sends without waiting while it has room; a
-- sender that finds it full waits until a receiver makes room, and values
-- come out oldest first. An unbounded channel (math.huge) never fills.
local task = std.task
local t0 = std.time.monotonic()
local function now() return math.floor((std.time.monotonic() - t0) * 1000 + 0.5) end

local ch = task.channel(2)
assert(ch:capacity() == 2)
ch:send(1)
ch:send(2)
assert(ch:len() == 2 and ch:try_send(3) == false and ch:len() == 2)
local log = {}
task.scope(function(s)
  s:spawn(function()
    ch:send(3)
    log[#log + 1] = "third sent at " .. now()
  end)
  s:spawn(function()
    task.sleep(25)
    log[#log + 1] = "took " .. ch:recv()
  end)
end)
assert(table.concat(log, "; ") == "took 1; third sent at 25", table.concat(log, "; "))
assert(ch:len() == 2 and ch:recv() == 2 and ch:recv() == 3 and ch:len() == 0)
assert(ch:try_recv() == nil)

local u = task.channel(math.huge)
assert(u:capacity() == math.huge)
for i = 1, 10000 do assert(u:try_send(i)) end
assert(u:len() == 10000)
for i = 1, 10000 do assert(u:recv() == i) end
assert(u:len() == 0)
-- a float that is a whole number is a capacity too
assert(task.channel(3.0):capacity() == 3)
assert(task.channel(0):capacity() == 0 and task.channel(nil):capacity() == 0)
print("ok")
