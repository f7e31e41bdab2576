-- Finalizers that spawn run at whatever allocation triggers a collection
-- step, including the runtime's own; their tasks run and are joined.
local task = std.task
local spawned = {}
local function bomb()
  setmetatable({}, { __gc = function()
    local ok, h = pcall(task.spawn, function() return 1 end)
    if ok then spawned[#spawned + 1] = h end
  end })
end
collectgarbage("incremental", 100, 400)
task.scope(function(s)
  for i = 1, 3 do
    bomb()
    s:spawn(function() bomb(); collectgarbage(); task.yield() end)
  end
end)
collectgarbage()
for _, h in ipairs(spawned) do h:join() end
