-- Finalizers run at whatever allocation triggers a collection step,
-- including allocations the runtime makes between resumes (spawning,
-- opening scopes, reporting errors). With the collector running at every
-- step and every finalizer spawning, scopes still wait for their children,
-- nothing is lost, and the run ends normally.
local task = std.task
collectgarbage("incremental", 100, 400)  -- collect as often as Lua allows
collectgarbage("restart")
local started, finished, refused = 0, 0, 0
local function bomb()
  return setmetatable({}, { __gc = function()
    local ok = pcall(task.spawn, function()
      started = started + 1
      pcall(task.yield)  -- its scope may be cancelled
      finished = finished + 1
    end)
    if not ok then refused = refused + 1 end  -- a scope that already closed
  end })
end
for round = 1, 30 do
  task.scope(function(s)
    for i = 1, 10 do
      bomb()
      s:spawn(function()
        bomb()
        local inner = task.spawn(function() bomb(); task.yield(); return i end)
        assert(inner:join() == i)
        pcall(task.with_timeout, 1, function() bomb(); task.sleep(1000) end, { grace_ms = 100 })
        if i % 3 == 0 then s:cancel() end
      end)
    end
  end)
end
collectgarbage()
task.sleep(5)
assert(started > 0, "no finalizer spawned")
assert(finished == started, ("%d started, %d finished"):format(started, finished))
print("ok")
