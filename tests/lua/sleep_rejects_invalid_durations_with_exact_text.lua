-- sleep rejects NaN, infinities and negative values with the spec's text.
local task = std.task
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
expect_error("std.task.sleep: invalid duration (ms=NaN)", task.sleep, 0 / 0)
expect_error("std.task.sleep: invalid duration (ms=inf)", task.sleep, math.huge)
expect_error("std.task.sleep: invalid duration (ms=-inf)", task.sleep, -math.huge)
expect_error("std.task.sleep: invalid duration (ms=-1)", task.sleep, -1)
expect_error("std.task.sleep: invalid duration (ms=-1)", task.sleep, -1.0)
expect_error("std.task.sleep: invalid duration (ms=-0.5)", task.sleep, -0.5)
expect_error("std.task.sleep: invalid duration (ms=-0.1)", task.sleep, -0.1)
expect_error("std.task.sleep: invalid duration (ms=-250)", task.sleep, -250)
expect_error("std.task.sleep: invalid duration (ms=-10.5)", task.sleep, -10.5)
-- the same inside a task; the task can go on afterwards
local h = task.spawn(function()
  local ok, err = pcall(task.sleep, -3)
  task.sleep(1)
  return ok, tostring(err)
end)
local ok, msg = h:join()
assert(ok == false and msg:find("std.task.sleep: invalid duration (ms=-3)", 1, true), msg)
-- a non-number is a standard argument error
local ok2, err2 = pcall(function() task.sleep({}) end)
assert(not ok2 and tostring(err2):find("bad argument #1 to 'sleep'", 1, true), tostring(err2))
-- boundary values that are valid
task.sleep(0)
task.sleep(-0.0)
print("ok")
