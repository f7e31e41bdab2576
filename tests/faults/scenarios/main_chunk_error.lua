-- expect-error: main chunk failed
-- The main chunk fails while tasks are alive: one with a __close handler
-- that stops within the grace window, one that ignores cancellation and is
-- hard-aborted, and an unjoined failure the observer hears about.
local task = std.task
task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function() end })
  task.sleep(1000)
end)
task.spawn(function()
  while true do pcall(task.yield) end
end)
task.spawn(function() error("never joined") end)
task.yield()
task.yield()
error("main chunk failed")
