-- args: --virtual-time
-- select returns the index and value of a ready channel, the lowest index
-- when several are ready (at once, without giving up the loop); otherwise
-- it waits for the first channel to deliver. A closed, drained channel is
-- ready with nil.
local task = std.task
local a, b, c = task.channel(1), task.channel(1), task.channel()
b:send("b1")
a:send("a1")
local i, v = task.select({ c, b, a })
assert(i == 2 and v == "b1")
i, v = task.select({ c, b, a })
assert(i == 3 and v == "a1")

-- waiting: the first to deliver wins
task.spawn(function() task.sleep(20); a:send("late") end)
task.spawn(function() task.sleep(10); c:send("rendezvous") end)
i, v = task.select({ a, b, c })
assert(i == 3 and v == "rendezvous")
i, v = task.select({ a, b })
assert(i == 1 and v == "late")

-- closed and drained
b:close()
i, v = task.select({ c, b })
assert(i == 2 and v == nil)
-- a closed channel wakes a waiting select
local d = task.channel()
task.spawn(function() task.sleep(5); d:close() end)
i, v = task.select({ c, d })
assert(i == 2 and v == nil)
-- the same channel twice
local e = task.channel()
task.spawn(function() e:send(1); e:send(2) end)
assert(select(2, task.select({ e, e })) == 1 and select(2, task.select({ e, e })) == 2)
print("ok")
