-- A preemption is not a coroutine.yield: a busy task of either driver is
-- suspended and continued without the async_fn driver's "coroutine.yield
-- outside a coroutine" error and without a turn the coroutine driver's
-- script could see.
-- Time slicing (--slice-ms) is what this is about.
if dofile(arg[0]:match("^(.-)[^/]*$") .. "support/rerun_with.lua")("--slice-ms", "10") then return end
local task = std.task
local stop = false
local started = {}
local function busy(name)
  return function()
    started[name] = true
    local n = 0
    while not stop do n = n + 1 end
    return n
  end
end
local a = task.spawn(busy("a"), { driver = "async_fn" })
local c = task.spawn(busy("c"), { driver = "coroutine" })
-- both have run (and been preempted) before they are told to stop
repeat task.sleep(10) until started.a and started.c
task.sleep(10)
stop = true
local na, nc = a:join(), c:join()
assert(math.type(na) == "integer" and na > 0)
assert(math.type(nc) == "integer" and nc > 0)
print("ok")
