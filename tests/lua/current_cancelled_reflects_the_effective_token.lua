-- current().cancelled is the state of the innermost scope around the
-- running code: it turns true inside a cancelled nested scope and is false
-- again outside it.
local task = std.task
local h = task.spawn(function()
  local seen = { task.current().cancelled }
  pcall(task.scope, function(s)
    seen[#seen + 1] = task.current().cancelled
    s:cancel()
    seen[#seen + 1] = task.current().cancelled
    pcall(task.scope, function() seen[#seen + 1] = task.current().cancelled end)
    task.yield()
  end)
  seen[#seen + 1] = task.current().cancelled
  return seen
end)
local seen = h:join()
assert(table.concat({ tostring(seen[1]), tostring(seen[2]), tostring(seen[3]), tostring(seen[4]), tostring(seen[5]) }, ",")
  == "false,false,true,true,false", "sequence")
-- a task spawned into a cancelled scope sees it at once; its token is the scope's
local first
task.scope(function(s)
  s:cancel()
  s:spawn(function() first = task.current().cancelled end)
end)
assert(first == true, tostring(first))
-- a task's view follows its scope being cancelled while it runs
local before, after
task.scope(function(s)
  s:spawn(function()
    before = task.current().cancelled
    pcall(task.sleep, 100000)
    after = task.current().cancelled
  end)
  task.sleep(5)
  s:cancel()
end)
assert(before == false and after == true, tostring(before) .. " " .. tostring(after))
print("ok")
