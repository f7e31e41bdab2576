-- Tasks spawned from the main chunk and from a task, joined with values
-- and with an error.
local task = std.task
local a = task.spawn(function(x) return x, "a" end, { name = "a" })
local b = task.spawn(function()
  local inner = task.spawn(function() task.yield(); return 2 end)
  return inner:join() + 1
end)
local failing = task.spawn(function() error({ code = 7 }) end)
local v, tag = a:join()
assert(v == nil and tag == "a")
assert(b:join() == 3)
local ok, err = pcall(failing.join, failing)
assert(not ok and (err == "not enough memory" or err.code == 7), tostring(err))
