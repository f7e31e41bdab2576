-- A coroutine.yield that reaches the task level of an async_fn task fails
-- with a clear error, with or without values, also from nested calls;
-- coroutine.yield inside the task's own coroutines stays ordinary.
local task = std.task
local want = "std.task: coroutine.yield outside a coroutine in an async_fn task"
local function failure(fn, opts)
  local h = task.spawn(fn, opts)
  local ok, err = pcall(function() return h:join() end)
  assert(not ok, "the task must fail")
  return tostring(err)
end
local reached = false
local msg = failure(function() coroutine.yield(); reached = true end)
assert(msg:find(want, 1, true), msg)
assert(not reached, "the task went on after the bare yield")
msg = failure(function() coroutine.yield(10) end)
assert(msg:find(want, 1, true), msg)
msg = failure(function() coroutine.yield("x", "y") end)
assert(msg:find(want, 1, true), msg)
msg = failure(function() local function deep() coroutine.yield() end; deep() end, { driver = "async" })
assert(msg:find(want, 1, true), msg)
-- inside a scope body opened by the task it is the same
msg = failure(function() task.scope(function() coroutine.yield() end) end)
assert(msg:find(want, 1, true), msg)
-- ordinary coroutine use inside the task is untouched
local h = task.spawn(function()
  local co = coroutine.wrap(function(a) local b = coroutine.yield(a * 2); return b + 1 end)
  return co(5), co(7)
end)
local x, y = h:join()
assert(x == 10 and y == 8, tostring(x) .. " " .. tostring(y))
print("ok")
