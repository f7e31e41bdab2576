-- args: --virtual-time
-- set() wakes every task waiting on the event, in the turn it is called;
-- it is idempotent and the event stays set: later waits return at once.
local task = std.task
local t0 = std.time.monotonic()
local function now() return math.floor((std.time.monotonic() - t0) * 1000 + 0.5) end
local ev = task.event()
assert(not ev:is_set())
local woke = {}
task.scope(function(s)
  for i = 1, 10 do s:spawn(function() ev:wait(); woke[#woke + 1] = now() end) end
  s:spawn(function() task.sleep(15); ev:set(); ev:set() end)
end)
assert(#woke == 10)
for i = 1, 10 do assert(woke[i] == 15) end
assert(ev:is_set())
ev:wait()
ev:set()
assert(now() == 15 and ev:is_set())
print("ok")
