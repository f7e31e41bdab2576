-- Tasks, scopes, timeouts and tokens that are finished and unreferenced
-- are collected: memory after many rounds stays near where it started.
local task = std.task
local function round()
  task.scope(function(s)
    for i = 1, 500 do
      local h = s:spawn(function() task.yield(); return i end)
      if i % 2 == 0 then h:join() end
    end
    for _ = 1, 50 do
      task.with_timeout(100000, function(inner) inner:spawn(function() task.sleep(0) end) end)
      task.cancel_token():cancel()
    end
  end)
  local c
  task.scope(function(s) c = s:spawn(function() task.sleep(100000) end); task.yield(); s:cancel() end)
  pcall(function() return c:join() end)
  local a = task.spawn(function() task.sleep(100000) end)
  task.yield()
  a:abort()
end
round() -- warm-up: lets pools and tables reach their working size
collectgarbage("collect")
collectgarbage("collect")
local before = collectgarbage("count")
for _ = 1, 20 do round() end
collectgarbage("collect")
collectgarbage("collect")
local after = collectgarbage("count")
assert(after - before < 1024, ("Lua memory grew by %.0f KiB over 20 rounds"):format(after - before))
print("ok")
