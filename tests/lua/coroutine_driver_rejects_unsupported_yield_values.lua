-- Under the coroutine driver, coroutine.yield with anything but nil or a
-- number at task level fails the task with the spec's text.
local task = std.task
local function failure(value)
  local h = task.spawn(function() coroutine.yield(value); return "went on" end, { driver = "coroutine" })
  local ok, err = pcall(function() return h:join() end)
  assert(not ok, "coroutine.yield(" .. type(value) .. ") must fail the task")
  return tostring(err)
end
for _, v in ipairs({ "x", "10", true, false, {}, print, io.stdout, coroutine.create(print) }) do
  local t = type(v)
  local want = ("coroutine yield: unsupported value type '%s' (expected nil or number)"):format(t)
  local got = failure(v)
  assert(got:find(want, 1, true), ("%s: got %q"):format(t, got))
end
-- nil and numbers are fine, explicit nil included
local h = task.spawn(function()
  coroutine.yield(nil)
  coroutine.yield(0)
  coroutine.yield(1.5)
  coroutine.yield(2)
  return "fine"
end, { driver = "coroutine" })
assert(h:join() == "fine")
print("ok")
