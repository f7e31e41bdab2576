-- abort() on a finished task is a no-op: the join still delivers what the
-- task returned or raised.
local task = std.task
local h = task.spawn(function() return "kept", 2 end)
task.yield() -- runnable tasks run in order: h has finished when this returns
assert(h:is_finished())
h:abort()
h:abort()
local a, b = h:join()
assert(a == "kept" and b == 2, "abort changed a finished task's result: " .. tostring(a))
local e = { "failure kept" }
local f = task.spawn(function() error(e) end)
task.yield()
assert(f:is_finished())
f:abort()
local ok, err = pcall(function() return f:join() end)
assert(not ok and rawequal(err, e), "abort replaced the error: " .. tostring(err))
-- after the join too
local j = task.spawn(function() return 1 end)
assert(j:join() == 1)
j:abort()
assert(j:is_finished())
print("ok")
