-- Unbounded recursion inside the script's coroutines nested in a task:
-- Lua recursion inside one coroutine, and coroutines resuming coroutines
-- without bound (the C stack limit). Both fail with Lua's error, the task
-- reports it through join, and the runtime keeps working.
local task = std.task
local function recurse(n) return 1 + recurse(n + 1) end
local in_coroutine = task.spawn(function()
  local co = coroutine.wrap(function() task.yield(); return recurse(1) end)
  return co()
end)
local ok, err = pcall(in_coroutine.join, in_coroutine)
assert(not ok and err:find("stack overflow", 1, true), tostring(err))

local function nest(depth)
  return coroutine.wrap(function() task.yield(); return nest(depth + 1) end)()
end
for _, driver in ipairs({ "async_fn", "coroutine" }) do
  local nested = task.spawn(function() return nest(1) end, { driver = driver })
  ok, err = pcall(nested.join, nested)
  assert(not ok and err:find("stack overflow", 1, true), tostring(err))
end
-- resume (not wrap) reports it as a value
local function nest_resume(depth)
  local co = coroutine.create(function() task.yield(); return nest_resume(depth + 1) end)
  local ok2, e = coroutine.resume(co)
  if not ok2 then error(e, 0) end
  return e
end
local by_resume = task.spawn(function() return nest_resume(1) end)
ok, err = pcall(by_resume.join, by_resume)
assert(not ok and err:find("stack overflow", 1, true), tostring(err))
assert(task.spawn(function() task.sleep(1); return "still works" end):join() == "still works")
print("ok")
