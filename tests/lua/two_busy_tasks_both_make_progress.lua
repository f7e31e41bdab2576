-- Preemption: two tasks that never suspend share the loop. Each is
-- suspended when its slice runs out, so both advance while the other is
-- still busy, and the main chunk's sleep ends too.
-- Time slicing (--slice-ms) is what this is about.
-- args: --slice-ms 10
-- timeout: 30
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
-- The main chunk runs only between slices. It waits, however long a loaded
-- machine takes, until each task has seen the other's progress from inside
-- its own loop (they interleaved); without slicing this never ends and the
-- test's time limit fails it.
repeat task.sleep(10) until seen_other[1] and seen_other[2]
stop = true
a:join()
b:join()
assert(counts[1] > 0 and counts[2] > 0, ("counts %d, %d"):format(counts[1], counts[2]))
print("ok")
