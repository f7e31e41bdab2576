-- By default a hard abort that does not concern the busy task (another
-- with_timeout's grace window ending while it runs) waits until the busy
-- task suspends: the other task's __close handler never runs in the middle
-- of the busy code.
local task = std.task
local log = {}
local asleep = false
task.spawn(function()
  pcall(task.with_timeout, 20, function()
    local _ <close> = setmetatable({}, { __close = function() log[#log + 1] = "other closed" end })
    asleep = true
    task.sleep(100000)
  end, { grace_ms = 0 })
end)
while not asleep do task.yield() end
local busy = task.spawn(function()
  log[#log + 1] = "busy starts"
  local give_up = std.time.monotonic() + 0.2
  while std.time.monotonic() < give_up do end
  log[#log + 1] = "busy ends"
end)
busy:join()
task.sleep(1)
assert(table.concat(log, ",") == "busy starts,busy ends,other closed", table.concat(log, ","))
print("ok")
