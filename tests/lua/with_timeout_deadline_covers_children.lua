-- The deadline bounds the wait for the children, not just the body; and
-- children that finish in time are waited for.
local task = std.task
local clock = std.time.monotonic
local child
local t0 = clock()
local ok, err = pcall(task.with_timeout, 50, function(s)
  child = s:spawn(function() task.sleep(100000) end)
  return "body returned at once"
end)
local took = (clock() - t0) * 1000
assert(not ok and err.kind == "timeout" and tostring(err) == "task.with_timeout: exceeded 50 ms", tostring(err))
assert(took >= 49 and took < 2000, ("took %.1f ms"):format(took))
assert(child:is_finished(), "the child outlived its with_timeout")
local cok, cerr = pcall(function() return child:join() end)
assert(not cok and task.is_cancelled(cerr), "the child was not cancelled: " .. tostring(cerr))
-- children that finish before the deadline: with_timeout waits and returns the body's values
local finished = false
t0 = clock()
local a, b = task.with_timeout(5000, function(s)
  s:spawn(function() task.sleep(30); finished = true end)
  return "in", "time"
end)
took = (clock() - t0) * 1000
assert(a == "in" and b == "time")
assert(finished, "with_timeout returned before its child finished")
assert(took >= 29 and took < 2000, ("took %.1f ms"):format(took))
print("ok")
