-- A task that fails and is never joined is reported on stderr as a
-- warning; the run still succeeds.
std.task.spawn(function()
  std.task.sleep(1)
  error("unjoined-task-failure-17")
end)
std.task.sleep(10)
print("ok")
