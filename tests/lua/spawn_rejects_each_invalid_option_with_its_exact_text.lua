-- Every opts error of spawn, with the exact text of the spec; a rejected
-- spawn creates no task.
local task = std.task
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
local ran = 0
local f = function() ran = ran + 1 end
-- name must be a string; integers are "integer", floats "number"
expect_error("std.task: opts.name: expected string, got integer", task.spawn, f, { name = 5 })
expect_error("std.task: opts.name: expected string, got number", task.spawn, f, { name = 1.5 })
expect_error("std.task: opts.name: expected string, got boolean", task.spawn, f, { name = true })
expect_error("std.task: opts.name: expected string, got table", task.spawn, f, { name = {} })
expect_error("std.task: opts.name: expected string, got function", task.spawn, f, { name = f })
-- driver names
expect_error("std.task: unknown driver 'threads' (expected 'async_fn' or 'coroutine')", task.spawn, f, { driver = "threads" })
expect_error("std.task: unknown driver '' (expected 'async_fn' or 'coroutine')", task.spawn, f, { driver = "" })
expect_error("std.task: unknown driver 'Coroutine' (expected 'async_fn' or 'coroutine')", task.spawn, f, { driver = "Coroutine" })
-- unknown keys
expect_error("std.task: unknown opts key 'nmae' (expected 'name' or 'driver')", task.spawn, f, { nmae = "x" })
expect_error("std.task: unknown opts key 'grace_ms' (expected 'name' or 'driver')", task.spawn, f, { grace_ms = 1 })
-- non-string keys
expect_error("std.task: opts keys must be strings, got integer", task.spawn, f, { 1 })
expect_error("std.task: opts keys must be strings, got number", task.spawn, f, { [2.5] = "x" })
expect_error("std.task: opts keys must be strings, got boolean", task.spawn, f, { [true] = "x" })
expect_error("std.task: opts keys must be strings, got table", task.spawn, f, { [{}] = "x" })
-- valid forms still work
assert(task.spawn(f, {}):join() == nil)
assert(task.spawn(f, { name = "n", driver = "async" }):join() == nil)
assert(task.spawn(f, { driver = "coroutine" }):join() == nil)
assert(task.spawn(f, nil):join() == nil)
task.sleep(1)
assert(ran == 4, "rejected spawns must not run anything; ran " .. ran .. " times")
print("ok")
