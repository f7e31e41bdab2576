-- Every argument and opts error of with_timeout, with the spec's texts;
-- a rejected call never runs its body.
local task = std.task
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
local ran = 0
local f = function() ran = ran + 1 end
local wt = task.with_timeout
-- the deadline
expect_error("task.with_timeout: invalid duration (ms=NaN)", wt, 0 / 0, f)
expect_error("task.with_timeout: invalid duration (ms=inf)", wt, math.huge, f)
expect_error("task.with_timeout: invalid duration (ms=-inf)", wt, -math.huge, f)
expect_error("task.with_timeout: invalid duration (ms=-1)", wt, -1, f)
expect_error("task.with_timeout: invalid duration (ms=-0.5)", wt, -0.5, f)
expect_error("bad argument #1 to 'with_timeout'", function() task.with_timeout("soon", f) end)
-- the function
expect_error("bad argument #2 to 'with_timeout' (function expected, got no value)", function() task.with_timeout(10) end)
expect_error("bad argument #2 to 'with_timeout' (function expected, got nil)", function() task.with_timeout(10, nil) end)
expect_error("bad argument #2 to 'with_timeout' (function expected, got number)", function() task.with_timeout(10, 5) end)
-- opts keys
expect_error("task.with_timeout: unknown opts key 'grace' (expected 'grace_ms')", wt, 10, f, { grace = 1 })
expect_error("task.with_timeout: unknown opts key 'name' (expected 'grace_ms')", wt, 10, f, { name = "x" })
expect_error("task.with_timeout: opts keys must be strings, got integer", wt, 10, f, { 1 })
expect_error("task.with_timeout: opts keys must be strings, got number", wt, 10, f, { [0.5] = 1 })
expect_error("task.with_timeout: opts keys must be strings, got boolean", wt, 10, f, { [true] = 1 })
-- grace_ms type and value
expect_error("task.with_timeout: opts.grace_ms must be a number, got string", wt, 10, f, { grace_ms = "x" })
expect_error("task.with_timeout: opts.grace_ms must be a number, got boolean", wt, 10, f, { grace_ms = true })
expect_error("task.with_timeout: opts.grace_ms must be a number, got table", wt, 10, f, { grace_ms = {} })
expect_error("task.with_timeout: opts.grace_ms: invalid duration (ms=-1)", wt, 10, f, { grace_ms = -1 })
expect_error("task.with_timeout: opts.grace_ms: invalid duration (ms=-2.5)", wt, 10, f, { grace_ms = -2.5 })
expect_error("task.with_timeout: opts.grace_ms: invalid duration (ms=NaN)", wt, 10, f, { grace_ms = 0 / 0 })
expect_error("task.with_timeout: opts.grace_ms: invalid duration (ms=inf)", wt, 10, f, { grace_ms = math.huge })
-- opts that are not a table
expect_error("bad argument #3 to 'with_timeout'", function() task.with_timeout(10, f, "grace") end)
expect_error("bad argument #3 to 'with_timeout'", function() task.with_timeout(10, f, 5) end)
assert(ran == 0, "a rejected with_timeout ran its body " .. ran .. " times")
-- valid forms
assert(wt(10, function() return "a" end, {}) == "a")
assert(wt(10, function() return "b" end, { grace_ms = 0 }) == "b")
assert(wt(10, function() return "c" end, { grace_ms = 2.5 }) == "c")
assert(wt(10, function() return "d" end, nil) == "d")
assert(wt(0.5, function() return "e" end) == "e")
print("ok")
