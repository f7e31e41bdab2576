-- A preemption is not a coroutine.yield: a busy task of either driver is
-- suspended and continued without the async_fn driver's "coroutine.yield
-- outside a coroutine" error and without a turn the coroutine driver's
-- script could see.
-- Main stops them only once both have run: on a loaded machine the sleep
-- can end before the second task got its first turn.
local task = std.task
local stop = false
local started = {}
local function busy(driver)
  started[driver] = true
  local n = 0
  while not stop do n = n + 1 end
  return n
end
local a = task.spawn(function() return busy("async_fn") end, { driver = "async_fn" })
local c = task.spawn(function() return busy("coroutine") end, { driver = "coroutine" })
repeat task.sleep(20) until started.async_fn and started.coroutine
task.sleep(20)
stop = true
local na, nc = a:join(), c:join()
assert(math.type(na) == "integer" and na > 0)
assert(math.type(nc) == "integer" and nc > 0)
print("ok")
