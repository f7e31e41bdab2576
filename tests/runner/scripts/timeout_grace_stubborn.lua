-- A with_timeout child that ignores its cancellation outlives the grace
-- window (arg[1] ms) and is hard-aborted.
local task = std.task
local ok, err = pcall(task.with_timeout, 20, function()
  task.spawn(function()
    while true do pcall(task.yield) end
  end, { name = "stubborn" })
end, { grace_ms = tonumber(arg[1]) })
print(err)
