-- Strings from the script are compared and shown with their length: a
-- driver, option key or field name with an embedded "\0" is not the name
-- before it, and a task or scope name with one is shown whole. Before,
-- {driver = "coroutine\0junk"} was accepted and "a\0b" showed as "(a)".
local task = std.task
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
local fn = function() end
expect_error("std.task: unknown driver 'coroutine\0junk' (expected 'async_fn' or 'coroutine')",
  task.spawn, fn, { driver = "coroutine\0junk" })
expect_error("std.task: unknown opts key 'name\0x' (expected 'name' or 'driver')",
  task.spawn, fn, { ["name\0x"] = "n" })
expect_error("task.with_timeout: unknown opts key 'grace_ms\0' (expected 'grace_ms')",
  task.with_timeout, 10, fn, { ["grace_ms\0"] = 1 })

local h = task.spawn(fn, { name = "a\0b" })
assert(tostring(h) == "task t" .. h.id:sub(2) .. " (a\0b)", ("%q"):format(tostring(h)))
assert(h.name == "a\0b")
assert(h["id\0x"] == nil and h["name\0x"] == nil, "a field name with a \\0 read the field before it")
h:join()
task.scope("s\0t", function(s)
  assert(tostring(s) == "scope (s\0t)", ("%q"):format(tostring(s)))
  assert(s["name\0"] == nil)
end)
local ok, err = pcall(task.with_timeout, 1, function() task.sleep(1000) end)
assert(not ok and err["kind\0"] == nil and err.kind == "timeout", tostring(err))
print("ok")
