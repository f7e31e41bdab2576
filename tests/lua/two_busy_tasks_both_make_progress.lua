-- Preemption: two tasks that never suspend share the loop. Each is
-- suspended when its slice runs out, so both advance while the other is
-- still busy, and the main chunk's sleep ends too.
local task = std.task
local counts = { 0, 0 }
local seen_other = { false, false }
local stop = false
local function busy(me, other)
  return function()
    while not stop do
      counts[me] = counts[me] + 1
      if counts[other] > 0 then seen_other[me] = true end
    end
  end
end
local a = task.spawn(busy(1, 2))
local b = task.spawn(busy(2, 1))
-- The main chunk's sleeps end while both are busy. It waits until each
-- task saw the other's progress from inside its own loop (they
-- interleaved) rather than for a fixed time: on a loaded machine one
-- slice may outlast any sleep tuned for a fast one.
local deadline = std.time.monotonic() + 30
repeat
  task.sleep(50)
until (seen_other[1] and seen_other[2]) or std.time.monotonic() > deadline
local at_wake = { counts[1], counts[2] }
stop = true
a:join()
b:join()
assert(at_wake[1] > 0 and at_wake[2] > 0, ("counts %d, %d"):format(at_wake[1], at_wake[2]))
assert(seen_other[1] and seen_other[2], "the busy tasks did not interleave in 30 s")
print("ok")
