-- A scope child that fails and is never joined.
std.task.scope(function(scope)
  scope:spawn(function() error("lost error") end, { name = "worker" })
end)
print("ok")
