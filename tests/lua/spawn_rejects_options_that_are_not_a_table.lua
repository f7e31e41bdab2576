-- opts must be nil or a table; anything else is a standard argument error.
local task = std.task
local function expect_error(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  return tostring(err)
end
local f = function() end
for _, bad in ipairs({ "name", true, 7, f }) do
  local msg = expect_error(function() task.spawn(f, bad) end)
  assert(msg:find("bad argument #2 to 'spawn'", 1, true), msg)
  assert(msg:find("got " .. type(bad), 1, true), msg)
end
print("ok")
