-- current().driver names the task's driver, inside the task, in scope
-- bodies it opens and in its coroutines; spawn without opts.driver uses
-- the default (async_fn), whatever the spawner's driver.
local task = std.task
local function probe()
  local here = task.current().driver
  local in_scope = task.scope(function() return task.current().driver end)
  local in_timeout = task.with_timeout(1000, function() return task.current().driver end)
  local in_wrap = coroutine.wrap(function() return task.current().driver end)()
  local child = task.spawn(function() return task.current().driver end):join()
  return here, in_scope, in_timeout, in_wrap, child
end
local cases = {
  { nil, "async_fn" }, { { driver = "async_fn" }, "async_fn" },
  { { driver = "async" }, "async_fn" }, { { driver = "coroutine" }, "coroutine" },
}
for _, c in ipairs(cases) do
  local here, in_scope, in_timeout, in_wrap, child = task.spawn(probe, c[1]):join()
  local label = c[1] and c[1].driver or "default"
  assert(here == c[2], label .. ": task " .. tostring(here))
  assert(in_scope == c[2], label .. ": scope body " .. tostring(in_scope))
  assert(in_timeout == c[2], label .. ": with_timeout body " .. tostring(in_timeout))
  assert(in_wrap == c[2], label .. ": coroutine " .. tostring(in_wrap))
  assert(child == "async_fn", label .. ": child " .. tostring(child))
end
print("ok")
