-- spawn's first argument must be a function; the error uses Lua's standard
-- "bad argument" form, from the main chunk and from inside a task.
local task = std.task
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
expect_error("bad argument #1 to 'spawn' (function expected, got number)", function() task.spawn(42) end)
expect_error("bad argument #1 to 'spawn' (function expected, got number)", function() task.spawn(4.5) end)
expect_error("bad argument #1 to 'spawn' (function expected, got string)", function() task.spawn("print(1)") end)
expect_error("bad argument #1 to 'spawn' (function expected, got table)", function() task.spawn({}) end)
expect_error("bad argument #1 to 'spawn' (function expected, got nil)", function() task.spawn(nil) end)
expect_error("bad argument #1 to 'spawn' (function expected, got no value)", function() task.spawn() end)
-- a callable table is not a function either
local callable = setmetatable({}, { __call = function() end })
expect_error("function expected, got table", function() task.spawn(callable) end)
-- the same from inside a task
local h = task.spawn(function()
  local ok, err = pcall(function() task.spawn(42) end)
  return ok, tostring(err)
end)
local ok, msg = h:join()
assert(ok == false and msg:find("bad argument #1 to 'spawn' (function expected, got number)", 1, true), msg)
print("ok")
