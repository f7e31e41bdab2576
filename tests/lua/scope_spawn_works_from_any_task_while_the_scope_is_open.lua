-- args: --virtual-time
-- Scope:spawn can be called from anywhere while the scope is open: from a
-- child, or from a task outside the scope. The scope waits for those tasks
-- too, and its cancellation reaches them.
local task = std.task
local open_scope
local done = {}
local outsider = task.spawn(function()
  while not open_scope do task.sleep(1) end
  open_scope:spawn(function() task.sleep(20); done[#done + 1] = "from outsider" end)
end)
task.scope(function(s)
  s:spawn(function()
    task.sleep(5)
    s:spawn(function() task.sleep(20); done[#done + 1] = "from child" end)
  end)
  open_scope = s
  outsider:join() -- the outsider has spawned into s
end)
table.sort(done)
assert(table.concat(done, ",") == "from child,from outsider", "the scope returned too early: " .. table.concat(done, ","))
-- cancellation of the scope reaches a task an outsider spawned into it
local saw
local holder
local outsider2 = task.spawn(function()
  while not holder do task.sleep(1) end
  holder:spawn(function()
    local ok, err = pcall(task.sleep, 100000)
    saw = ok and "slept" or tostring(err)
  end)
end)
task.scope(function(s)
  holder = s
  outsider2:join()
  task.yield()
  s:cancel()
end)
assert(saw == "task cancelled", tostring(saw))
print("ok")
