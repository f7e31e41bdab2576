-- current() is nil in the main chunk and wherever the main chunk's own
-- code runs: scope and with_timeout bodies it opens, nested ones, its
-- coroutines.
local task = std.task
assert(task.current() == nil, "main chunk")
assert(select("#", task.current()) == 1, "current() returns exactly one value")
task.scope(function()
  assert(task.current() == nil, "scope body opened by the main chunk")
  task.scope("nested", function()
    assert(task.current() == nil, "nested scope body")
    task.with_timeout(1000, function()
      assert(task.current() == nil, "with_timeout body inside")
    end)
  end)
  task.yield()
  assert(task.current() == nil, "scope body after a suspension")
end)
task.with_timeout(1000, function() assert(task.current() == nil, "with_timeout body") end)
coroutine.wrap(function() task.sleep(1); assert(task.current() == nil, "main-chunk coroutine") end)()
-- after a task ran, the main chunk is still not a task
task.spawn(function() end):join()
assert(task.current() == nil, "after a join")
print("ok")
