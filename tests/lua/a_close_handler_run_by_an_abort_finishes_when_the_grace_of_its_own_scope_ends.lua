-- A task hard-aborted with its parent (here: the parent's Handle:abort)
-- runs its __close handlers; the grace window of the with_timeout scope it
-- lives in may end while one of them runs. That is no new hard abort: the
-- scope is being torn down already, so the handler finishes.
local task = std.task
local clock = std.time.monotonic
local started, finished = false, false
local t0 = clock()
-- The abort (at 2 ms) comes well before the deadline (200 ms), so that the
-- handler runs because of it even on a loaded machine.
local parent = task.spawn(function()
  task.with_timeout(200, function(s)
    s:spawn(function()
      local c <close> = setmetatable({}, {__close = function()
        started = true
        local until_t = t0 + 0.26  -- past the deadline and the grace (+20 ms)
        while clock() < until_t do end
        finished = true
      end})
      task.sleep(10000)
    end)
    task.sleep(10000)
  end, {grace_ms = 20})
end)
task.sleep(2)
assert(clock() - t0 < 0.15, "the abort would come after the deadline: the machine is too slow for this test")
parent:abort()
pcall(parent.join, parent)
assert(started, "the __close handler ran")
assert(finished, "the __close handler was cut short")
print("ok")
