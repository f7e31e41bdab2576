-- Scope:spawn checks the function and opts exactly as task.spawn does.
local task = std.task
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
local f = function() end
task.scope(function(s)
  expect_error("bad argument #1 to 'spawn' (function expected, got number)", function() s:spawn(42) end)
  expect_error("bad argument #1 to 'spawn' (function expected, got nil)", function() s:spawn(nil) end)
  expect_error("bad argument #2 to 'spawn'", function() s:spawn(f, "opts") end)
  expect_error("std.task: opts.name: expected string, got integer", function() s:spawn(f, { name = 5 }) end)
  expect_error("std.task: opts.name: expected string, got boolean", function() s:spawn(f, { name = false }) end)
  expect_error("std.task: unknown driver 'threads' (expected 'async_fn' or 'coroutine')", function() s:spawn(f, { driver = "threads" }) end)
  expect_error("std.task: unknown opts key 'nmae' (expected 'name' or 'driver')", function() s:spawn(f, { nmae = "x" }) end)
  expect_error("std.task: opts keys must be strings, got integer", function() s:spawn(f, { 1 }) end)
  expect_error("std.task: opts keys must be strings, got boolean", function() s:spawn(f, { [false] = 1 }) end)
  local h = s:spawn(function() return task.current().name, task.current().driver end, { name = "fine", driver = "coroutine" })
  local name, driver = h:join()
  assert(name == "fine" and driver == "coroutine", tostring(name) .. " " .. tostring(driver))
end)
print("ok")
