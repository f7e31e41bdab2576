-- std.log records from the main chunk, a named task and its scope, with
-- the time since start (virtual: exact) and the task's id and name.
local task, log = std.task, std.log
log.info("starting %d workers", 1)
task.spawn(function()
  task.sleep(12.3)
  task.scope(function() log.warn("slow source", { source = "db", ms = 12 }) end)
  log.debug("details")
end, { name = "fetch" })
