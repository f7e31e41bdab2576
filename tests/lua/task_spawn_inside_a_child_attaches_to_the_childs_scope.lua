-- args: --virtual-time
-- task.spawn attaches to the innermost scope around the caller: a child of
-- a scope spawning more work keeps that scope open until the work is done.
local task = std.task
local done = {}
task.scope(function(s)
  s:spawn(function()
    task.spawn(function()
      task.sleep(30)
      task.spawn(function() task.sleep(20); done[#done + 1] = "great-grandchild" end)
      done[#done + 1] = "grandchild"
    end)
    done[#done + 1] = "child"
  end)
end)
table.sort(done)
assert(table.concat(done, ",") == "child,grandchild,great-grandchild",
  "the scope returned before its descendants finished: " .. table.concat(done, ","))
-- and cancelling the scope reaches them
local saw
task.scope(function(s)
  s:spawn(function()
    task.spawn(function()
      local ok, err = pcall(task.sleep, 100000)
      saw = (not ok) and tostring(err) or "slept"
    end)
  end)
  task.sleep(10)
  s:cancel()
end)
assert(saw == "task cancelled", tostring(saw))
print("ok")
