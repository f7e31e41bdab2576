-- --max-tasks: the third live task is refused at the spawn call; a finished
-- task frees its slot, and tasks in nested scopes count against the same limit.
local task = std.task
local a = task.spawn(function() task.yield() end)
local b = task.spawn(function() task.yield() end)
local ok, err = pcall(task.spawn, function() end)
print(ok, err)
a:join()
local c = task.spawn(function() return "slot freed" end)
print(c:join())
b:join()
task.scope(function(s)
  s:spawn(function()
    task.scope(function(inner)
      inner:spawn(function() task.yield() end)
      print(pcall(inner.spawn, inner, function() end))
    end)
  end)
end)
