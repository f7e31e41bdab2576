-- Preemption: two tasks that never suspend share the loop. Each is
-- suspended when its slice runs out, so both advance while the other is
-- still busy, and the main chunk's sleep ends too.
-- Time slicing (--slice-ms) is what this is about.
-- args: --slice-ms 10
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
task.sleep(300)
local at_wake = { counts[1], counts[2] }
stop = true
a:join()
b:join()
assert(at_wake[1] > 0 and at_wake[2] > 0, ("counts %d, %d"):format(at_wake[1], at_wake[2]))
-- Each saw the other's progress from inside its own loop: they interleaved.
assert(seen_other[1] and seen_other[2], "the busy tasks did not interleave")
print("ok")
