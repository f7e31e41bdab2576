-- A task hard-aborted with its parent (here: the parent's Handle:abort)
-- runs its __close handlers; the grace window of the with_timeout scope it
-- lives in may end while one of them runs. That is no new hard abort: the
-- scope is being torn down already, so the handler finishes.
local task = std.task
local clock = std.time.monotonic
local started, finished = false, false
local parent = task.spawn(function()
  task.with_timeout(20, function(s)
    s:spawn(function()
      local c <close> = setmetatable({}, {__close = function()
        started = true
        local until_t = clock() + 0.06  -- past the deadline (20 ms) and the grace (+10 ms)
        while clock() < until_t do end
        finished = true
      end})
      task.sleep(10000)
    end)
    task.sleep(10000)
  end, {grace_ms = 10})
end)
task.sleep(2)
parent:abort()
pcall(parent.join, parent)
assert(started, "the __close handler ran")
assert(finished, "the __close handler was cut short")
print("ok")
