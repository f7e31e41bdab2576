-- The four argument errors of task.scope, from the main chunk and a task;
-- a rejected call runs nothing.
local task = std.task
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
local function check_all()
  expect_error("task.scope requires at least a function", task.scope)
  expect_error("task.scope(name, fn) requires a function", task.scope, "n")
  expect_error("task.scope: second argument must be a function", task.scope, "n", 1)
  expect_error("task.scope: second argument must be a function", task.scope, "n", "m")
  expect_error("task.scope: second argument must be a function", task.scope, "n", {})
  expect_error("task.scope: first argument must be a function or a name string", task.scope, 1)
  expect_error("task.scope: first argument must be a function or a name string", task.scope, true, function() end)
  expect_error("task.scope: first argument must be a function or a name string", task.scope, {}, function() end)
end
check_all()
local h = task.spawn(function() check_all(); return "checked" end)
assert(h:join() == "checked")
-- both valid forms
assert(task.scope(function(s) return s.name end) == nil)
assert(task.scope("named", function(s) return s.name end) == "named")
print("ok")
