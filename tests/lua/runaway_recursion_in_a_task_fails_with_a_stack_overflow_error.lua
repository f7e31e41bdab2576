-- A task that recurses without bound fails with Lua's stack overflow
-- error, which join re-raises and pcall catches; the runtime keeps
-- working, in both drivers.
local task = std.task
local function recurse(n) return 1 + recurse(n + 1) end
for _, driver in ipairs({ "async_fn", "coroutine" }) do
  local h = task.spawn(function() return recurse(1) end, { driver = driver })
  local ok, err = pcall(h.join, h)
  assert(not ok and type(err) == "string" and err:find("stack overflow", 1, true), tostring(err))
  assert(h:is_finished())
end
-- the main chunk itself, and a scope body
local ok, err = pcall(recurse, 1)
assert(not ok and err:find("stack overflow", 1, true), tostring(err))
ok, err = pcall(task.scope, function() return recurse(1) end)
assert(not ok and err:find("stack overflow", 1, true), tostring(err))
assert(task.spawn(function() task.sleep(1); return "still works" end):join() == "still works")
print("ok")
