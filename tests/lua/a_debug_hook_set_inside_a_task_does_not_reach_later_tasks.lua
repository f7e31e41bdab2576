-- A hook set with debug.sethook inside a task belongs to that task's
-- thread. Later tasks start with their spawner's hook (none here), as
-- they would on a fresh thread, even when they reuse the finished
-- task's thread.
local task = std.task
local calls = 0
local function hook() calls = calls + 1 end

task.spawn(function()
  debug.sethook(hook, "c")
  assert(debug.gethook() == hook)
end):join()

for i = 1, 20 do
  task.spawn(function()
    assert(debug.gethook() == nil, "a later task inherited the hook")
  end):join()
end
task.scope(function() assert(debug.gethook() == nil, "a scope body inherited the hook") end)
assert(debug.gethook() == nil)
print("ok")
