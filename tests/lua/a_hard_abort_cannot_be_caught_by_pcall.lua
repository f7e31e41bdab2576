-- args: --virtual-time
-- A hard abort is not an error the task can catch: pcall and xpcall around
-- the suspension point do not return, xpcall's handler does not run.
local task = std.task
for _, driver in ipairs({ "async_fn", "coroutine" }) do
  local after, handler_ran, closed = false, false, 0
  local h = task.spawn(function()
    local g <close> = setmetatable({}, { __close = function() closed = closed + 1 end })
    pcall(task.sleep, 100000)
    xpcall(task.sleep, function(m) handler_ran = true; return m end, 100000)
    after = true
  end, { driver = driver })
  task.sleep(10)
  h:abort()
  local ok, err = pcall(function() return h:join() end)
  assert(not ok and tostring(err) == "task aborted", driver .. ": " .. tostring(err))
  assert(not after, driver .. ": pcall caught the abort")
  assert(not handler_ran, driver .. ": a message handler ran during the abort")
  assert(closed == 1, driver .. ": closed " .. closed)
end
print("ok")
