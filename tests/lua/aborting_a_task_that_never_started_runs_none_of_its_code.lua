-- A task aborted before its first turn never runs; its joiner gets
-- "task aborted"; both drivers.
local task = std.task
for _, driver in ipairs({ "async_fn", "coroutine" }) do
  local ran = false
  local h = task.spawn(function() ran = true end, { driver = driver })
  h:abort()
  task.yield()
  task.sleep(2)
  assert(not ran, driver .. ": an aborted task started")
  assert(h:is_finished(), driver .. ": not finished after the abort")
  local ok, err = pcall(function() return h:join() end)
  assert(not ok and tostring(err) == "task aborted", driver .. ": " .. tostring(err))
end
-- also when spawned into a scope and aborted from the body
local ran = false
task.scope(function(s)
  local h = s:spawn(function() ran = true end)
  h:abort()
end)
assert(not ran, "aborted child started")
print("ok")
