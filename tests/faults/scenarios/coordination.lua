-- Channels (rendezvous, buffered, growing unbounded), a select, a
-- semaphore, gather with a bound, race, shield and move_on, with a cancel
-- and a hard abort of waiting tasks. A task whose start fails for lack of
-- memory never reaches its peer, so every wait on a peer is bounded by a
-- move_on (which then returns false) rather than left to deadlock.
local task = std.task
local ch, u, sem = task.channel(), task.channel(math.huge), task.semaphore(1)
task.move_on(200, function()
  task.scope(function(s)
    s:spawn(function() for i = 1, 3 do ch:send(i) end end)
    s:spawn(function() for _ = 1, 3 do ch:recv() end end)
    s:spawn(function() for i = 1, 20 do u:send(i) end end)
    s:spawn(function() local p <close> = sem:acquire(); task.sleep(1) end)
    s:spawn(function() local p <close> = sem:acquire() end)
  end)
end)
local h = task.spawn(function() return task.select({ ch, task.channel(1) }) end)
task.yield()
ch:try_send("x")
h:abort()
task.move_on(200, function()
  task.gather({ function() return 1 end, function() task.yield(); return 2 end }, { concurrency = 1 })
  task.race({ function() task.sleep(5) end, function() return "won" end })
end)
task.scope(function(s)
  s:spawn(function() pcall(ch.recv, ch); task.shield(function() task.yield() end) end)
  task.yield()
  s:cancel()
end)
assert(task.move_on(1, function() task.sleep(100) end) == false)
-- a fail-fast scope keeps its first failure; a linked token cancels a scope
pcall(task.scope, function(s)
  s:spawn(function() error("first", 0) end)
  s:spawn(function() task.sleep(5) end)
end, { fail_fast = true })
local linked = task.cancel_token()
task.spawn(function() task.yield(); linked:cancel() end)
pcall(task.scope, function() task.sleep(50) end, { token = linked })
-- task variables, copied into spawned tasks
local var = task.var(0)
var:set(1)
task.spawn(function() assert(var:get() == 1); var:set(2) end):join()
