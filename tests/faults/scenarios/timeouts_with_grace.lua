-- A with_timeout whose deadline passes: one child stops within the grace
-- window, one ignores cancellation and is hard-aborted.
local task = std.task
local ok, err = pcall(task.with_timeout, 1, function(s)
  s:spawn(function() task.sleep(1000) end)
  s:spawn(function()
    while true do pcall(task.yield) end
  end)
  task.sleep(1000)
end, { grace_ms = 1 })
assert(not ok)
assert(task.with_timeout(1000, function() return "fast" end) == "fast")
