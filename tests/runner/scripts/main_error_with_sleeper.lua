-- When the main chunk raises, the runner cancels the root scope: a
-- sleeping task sees the cancellation and its __close handler runs.
local task = std.task
task.spawn(function()
  local seen, closes = "nothing", 0
  local g <close> = setmetatable({}, { __close = function()
    closes = closes + 1
    print(("cleanup-ran-once: %s%s"):format(seen, closes == 1 and "" or " (again)"))
  end })
  local ok, err = pcall(task.sleep, 100000)
  seen = ok and "woke normally" or tostring(err)
end)
task.sleep(5)
error("main fails while a task sleeps")
