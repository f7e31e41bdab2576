-- args: --virtual-time
-- Dropping a task's handle does not stop the task: the garbage collector
-- does not cancel or abort running tasks, and the scope still waits.
local task = std.task
local done = {}
task.scope(function()
  for i = 1, 5 do
    task.spawn(function()
      task.sleep(20)
      collectgarbage("collect")
      task.yield()
      done[#done + 1] = i
    end)
  end
  collectgarbage("collect")
  collectgarbage("collect")
end)
table.sort(done)
assert(table.concat(done, ",") == "1,2,3,4,5", table.concat(done, ","))
-- the same in the root scope, handle dropped at once
local flag = false
task.spawn(function() task.sleep(10); flag = true end)
collectgarbage("collect")
task.sleep(40)
assert(flag, "a task without a handle did not finish")
print("ok")
