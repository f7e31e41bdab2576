-- A run of known shape for the --trace test (tests/runner/check_trace.py),
-- on the virtual clock: a sleep, a join, a channel wait, a bridge
-- operation, a busy task that time slicing preempts, and a with_timeout
-- whose deadline cancels one task and whose grace window runs out on a
-- shielded one.
local task = std.task
local ch = task.channel()

task.scope(function(s)
  local sleeper = s:spawn(function() task.sleep(10) return 1 end, { name = "sleeper" })
  s:spawn(function() sleeper:join() end, { name = "joiner" })
  s:spawn(function() ch:recv() end, { name = "receiver" })
  s:spawn(function() task.sleep(5) ch:send("x") end, { name = "sender" })
  s:spawn(function() std.process.run({ "true" }) end, { name = "proc" })
  s:spawn(function()
    -- CPU time: the kernel checks CPU timers at its own ticks only while
    -- the thread runs, so a loaded machine sends few signals per second of it
    local done = os.clock() + 0.5
    while os.clock() < done do end
  end, { name = "busy" })
end)
pcall(task.with_timeout, 20, function(w)
  w:spawn(function() task.sleep(1000) end, { name = "late" })
  w:spawn(function() task.shield(task.sleep, 1000) end, { name = "stubborn" })
  task.sleep(1000)
end, { grace_ms = 5 })
print("done")
