-- A child that fails inside a nested scope and is never joined is reported
-- when its scope ends; the scope itself does not fail.
local task = std.task
local v = task.scope(function()
  return task.scope("inner", function(s)
    s:spawn(function() task.yield(); error("nested-scope-failure-23") end)
    return "scope still returns"
  end)
end)
assert(v == "scope still returns")
print("ok")
