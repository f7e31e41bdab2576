-- A __close handler that a hard abort runs is cleanup already under way:
-- a later hard abort that reaches the same task through a scope it lives
-- in (its parent's Handle:abort, the grace end of its with_timeout) tears
-- down a task that is being torn down already, and does not cut the
-- handler. Only a stop of the whole run (a second Ctrl-C, the shutdown's
-- grace expiry) does. The handlers spin on CPU time, so that time slicing
-- preempts them (each tick is a point where a cut would strike) whatever
-- the machine's speed.
-- args: --slice-ms 1
local task = std.task

local function spin(seconds)
  local t0 = os.clock()
  while os.clock() - t0 < seconds do end
end

-- The parent aborted from inside the handler: the walk reaches the task
-- again through the with_timeout scope its parent waits for.
local finished, sleeping = false, false
local parent, child
parent = task.spawn(function()
  task.with_timeout(3600000, function(s)
    child = s:spawn(function()
      local c <close> = setmetatable({}, {__close = function()
        parent:abort()
        spin(0.05) -- preempted here, many times
        finished = true
      end})
      sleeping = true
      task.sleep(3600000)
    end)
    task.sleep(3600000)
  end)
end)
repeat task.yield() until sleeping
child:abort()
assert(finished, "a later abort of the parent cut the __close handler the child's abort runs")
assert(not pcall(child.join, child) and not pcall(parent.join, parent))

-- The grace end of the child's with_timeout comes while the handler its
-- own Handle:abort runs. The abort comes long before the deadline
-- (200 ms), and the handler spins past deadline and grace on CPU time,
-- which passes no faster than the clock.
local clock = std.time.monotonic
local t0 = clock()
local started, done = false, false
local outer = task.spawn(function()
  pcall(task.with_timeout, 200, function(s)
    local h = s:spawn(function()
      local c <close> = setmetatable({}, {__close = function()
        started = true
        spin(0.3)
        done = true
      end})
      task.sleep(3600000)
    end)
    task.sleep(1)
    assert(clock() - t0 < 0.15, "the abort would come after the deadline: the machine is too slow for this test")
    h:abort()
  end, {grace_ms = 10})
end)
pcall(outer.join, outer)
assert(started, "the __close handler ran")
assert(done, "the with_timeout's grace end cut the __close handler an earlier abort runs")
print("ok")
