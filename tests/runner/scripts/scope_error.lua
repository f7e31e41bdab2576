-- An error that leaves a scope body and the main chunk ends the run with
-- status 1 and the message on stderr; nothing after it runs.
local task = std.task
task.scope(function(s)
  s:spawn(function() task.sleep(5) end)
  task.sleep(1)
  error("raised-in-a-scope-body-31")
end)
print("must not be reached")
