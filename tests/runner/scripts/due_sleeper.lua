-- A slice of 10 minutes: only a deadline that passed can preempt the
-- spinning task before its 10 s of CPU run out (and then it fails).
local task = std.task
local woke = false
task.spawn(function() task.sleep(1); woke = true end)
local spinner = task.spawn(function()
  local start = os.clock()
  while not woke do
    if os.clock() - start > 10 then error("the sleeper never ran while this task spun") end
  end
  print("the sleeper ran while this task spun")
end)
spinner:join()
