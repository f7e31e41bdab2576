-- A __close handler that time slicing preempted in the middle, whose task
-- is then hard-aborted, is resumed and runs to its end, preempted again on
-- the way (its ticks only fire what is due: it cannot yield any more);
-- once it returns, none of the task's own code runs after it, and the
-- handlers not yet started run. The handler spins on CPU time, so that
-- the slices end inside it whatever the machine's speed.
-- args: --slice-ms 1
local task = std.task

local function spin(seconds)
  local t0 = os.clock()
  while os.clock() - t0 < seconds do end
end

local log = {}
local started = false
local busy = task.spawn(function()
  local outer <close> = setmetatable({}, {__close = function() log[#log + 1] = "outer" end})
  do
    local inner <close> = setmetatable({}, {__close = function()
      started = true
      spin(0.1) -- preempted here before the abort and after it
      log[#log + 1] = "inner"
    end})
  end
  log[#log + 1] = "task code after the handler"
  task.sleep(3600000)
end)
repeat task.yield() until started
busy:abort()
local ok, err = pcall(busy.join, busy)
assert(not ok and tostring(err) == "task aborted", tostring(err))
assert(table.concat(log, ", ") == "inner, outer", table.concat(log, ", "))

-- The same inside a coroutine of the task's own.
log, started = {}, false
local nested = task.spawn(function()
  local outer <close> = setmetatable({}, {__close = function() log[#log + 1] = "outer" end})
  local co = coroutine.wrap(function()
    local c <close> = setmetatable({}, {__close = function() log[#log + 1] = "coroutine outer" end})
    do
      local inner <close> = setmetatable({}, {__close = function()
        started = true
        spin(0.1)
        log[#log + 1] = "inner"
      end})
    end
    log[#log + 1] = "coroutine code after the handler"
    coroutine.yield()
  end)
  co()
  log[#log + 1] = "task code after the coroutine"
  task.sleep(3600000)
end)
repeat task.yield() until started
nested:abort()
pcall(nested.join, nested)
assert(table.concat(log, ", ") == "inner, coroutine outer, outer", table.concat(log, ", "))
print("ok")
