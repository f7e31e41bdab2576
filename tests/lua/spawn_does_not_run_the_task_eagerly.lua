-- spawn returns at once without running the task; the task starts only
-- when the spawner reaches a suspension point.
local task = std.task
local started = false
local h = task.spawn(function() started = true end)
for _ = 1, 1000 do local _ = {} end -- plain work is not a suspension point
assert(not started, "the task ran before the main chunk suspended")
assert(not h:is_finished())
task.yield()
assert(started, "the task must run during the spawner's yield")
-- the same inside a task, and inside a scope body
local order = {}
local outer = task.spawn(function()
  task.spawn(function() order[#order + 1] = "child" end)
  order[#order + 1] = "parent before suspending"
  task.yield()
  order[#order + 1] = "parent after"
end)
outer:join()
assert(table.concat(order, ",") == "parent before suspending,child,parent after", table.concat(order, ","))
local body_log = {}
task.scope(function(s)
  s:spawn(function() body_log[#body_log + 1] = "child" end)
  body_log[#body_log + 1] = "body"
end)
assert(table.concat(body_log, ",") == "body,child", table.concat(body_log, ","))
print("ok")
