-- Code inside a C call that cannot yield (a table.sort comparator) is not
-- preempted there: nothing else runs until the sort returns. The task is
-- preempted at the first point after it where it can yield.
-- Time slicing (--slice-ms) is what this is about.
-- args: --slice-ms 10
local task = std.task
local monotonic = std.time.monotonic
local other_ran = false
local other = task.spawn(function()
  task.sleep(1)
  other_ran = true
end)

local h = task.spawn(function()
  local t = {}
  for i = 1, 200 do t[i] = (i * 7919) % 200 end
  local ran_during_sort = false
  -- The task may be preempted before the sort (on a slow machine, while
  -- filling t): only a change during the sort counts.
  local ran_before_sort = other_ran
  local t0 = os.clock()
  table.sort(t, function(a, b)
    local spin = os.clock()
    while os.clock() - spin < 0.0002 do end -- ~0.3 s of CPU in all
    if other_ran ~= ran_before_sort then ran_during_sort = true end
    return a < b
  end)
  local sort_took = os.clock() - t0
  local give_up = monotonic() + 5
  while not other_ran and monotonic() < give_up do end
  return ran_during_sort, sort_took, other_ran
end)
local ran_during_sort, sort_took, ran_after = h:join()
other:join()
assert(sort_took > 0.05, "the sort was too short to span a slice")
assert(not ran_during_sort, "another task ran inside the sort")
assert(ran_after, "the task was not preempted after the sort")
print("ok")
