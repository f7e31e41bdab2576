-- args: --virtual-time
-- Cancelling a token wakes its sleepers and waiters in the same loop turn:
-- by the time the canceller's next yield returns, they have run.
local task = std.task
local woke = {}
local never = task.spawn(function() task.sleep(300) end) -- root scope: never cancelled
task.scope(function(s)
  s:spawn(function() pcall(task.sleep, 100000); woke[#woke + 1] = "sleeper" end)
  s:spawn(function()
    pcall(function() return never:join() end)
    woke[#woke + 1] = "joiner"
  end)
  s:spawn(function() pcall(coroutine.yield, 100000); woke[#woke + 1] = "co-sleeper" end, { driver = "coroutine" })
  task.sleep(10)
  assert(#woke == 0)
  s:cancel()
  pcall(task.yield)
  table.sort(woke)
  assert(table.concat(woke, ",") == "co-sleeper,joiner,sleeper", "after one turn: " .. table.concat(woke, ","))
end)
print("ok")
