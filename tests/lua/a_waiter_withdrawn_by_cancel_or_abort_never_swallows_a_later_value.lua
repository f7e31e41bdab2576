-- args: --virtual-time
-- A waiter that left by cancel or abort, or a select that completed on one
-- channel, is removed from every queue it was in: a later value goes to a
-- live receiver, never to the stale waiter.
local task = std.task
local a, b, c = task.channel(), task.channel(), task.channel()

-- a select that completed through b
local h = task.spawn(function() return task.select({ a, b, c }) end)
task.sleep(1)
b:send("to select")
local i, v = h:join()
assert(i == 2 and v == "to select")
assert(a:try_send("x") == false and c:try_send("x") == false, "no stale node in a or c")

-- a select, a recv and a send withdrawn by cancel and by abort
for _, stop in ipairs({ "cancel", "abort" }) do
  local sc
  local handles = {}
  task.scope(function(s)
    sc = s
    handles[1] = s:spawn(function() return task.select({ a, b }) end)
    handles[2] = s:spawn(function() return c:recv() end)
    handles[3] = s:spawn(function() return b:send("stale send") end)
    task.sleep(1)
    if stop == "cancel" then s:cancel() else for _, x in ipairs(handles) do x:abort() end end
  end)
  assert(a:try_send("x") == false and c:try_send("x") == false, stop .. ": a receiver is left")
  assert(b:try_recv() == nil, stop .. ": a sender is left")
  -- a live receiver gets the next value
  local live = task.spawn(function() return a:recv() end)
  task.sleep(1)
  a:send("fresh")
  assert(live:join() == "fresh")
end
print("ok")
