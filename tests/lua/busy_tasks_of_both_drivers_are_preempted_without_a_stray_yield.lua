-- A preemption is not a coroutine.yield: a busy task of either driver is
-- suspended and continued without the async_fn driver's "coroutine.yield
-- outside a coroutine" error and without a turn the coroutine driver's
-- script could see.
-- Time slicing (--slice-ms) is what this is about.
-- args: --slice-ms 10
local task = std.task
local stop = false
local progress = { async_fn = 0, coroutine = 0 }
local function busy(driver)
  return function()
    while not stop do progress[driver] = progress[driver] + 1 end
    return progress[driver]
  end
end
local a = task.spawn(busy("async_fn"), { driver = "async_fn" })
local c = task.spawn(busy("coroutine"), { driver = "coroutine" })
-- The main chunk only runs while both tasks are preempted. Two rounds in
-- which both made progress: each task was preempted and continued at least
-- once, however long the machine takes to give them their slices.
local seen = { async_fn = 0, coroutine = 0 }
for _ = 1, 2 do
  repeat task.sleep(10) until progress.async_fn > seen.async_fn and progress.coroutine > seen.coroutine
  seen = { async_fn = progress.async_fn, coroutine = progress.coroutine }
end
stop = true
local na, nc = a:join(), c:join()
assert(math.type(na) == "integer" and na >= seen.async_fn)
assert(math.type(nc) == "integer" and nc >= seen.coroutine)
print("ok")
