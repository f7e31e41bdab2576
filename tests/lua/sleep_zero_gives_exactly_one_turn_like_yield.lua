-- sleep(0) gives up exactly one loop turn: it lets others run, and it does
-- not keep the task away for longer than a yielding peer.
local task = std.task
local a, b = 0, 0
local worst = 0
task.scope(function(s)
  s:spawn(function()
    for _ = 1, 50 do
      a = a + 1
      worst = math.max(worst, math.abs(a - b))
      task.sleep(0)
    end
  end)
  s:spawn(function()
    for _ = 1, 50 do
      b = b + 1
      worst = math.max(worst, math.abs(a - b))
      task.yield()
    end
  end)
end)
assert(a == 50 and b == 50)
assert(worst <= 1, "sleep(0) and yield drifted apart by " .. worst .. " turns")
-- sleep(0) from the main chunk lets a spawned task run
local ran = false
task.spawn(function() ran = true end)
task.sleep(0)
assert(ran, "sleep(0) in the main chunk did not give a turn")
print("ok")
