-- A with_timeout deadline that passes while the body computes (its timer
-- cannot fire then) still counts: with grace_ms = 0 nothing in the scope
-- runs after that, and the call raises "exceeded" even if everything
-- finished before the loop noticed.
local task = std.task
-- Computes for `ms` inside a string.gsub callback: a C call that cannot
-- yield, so preemption cannot let anything else run meanwhile (it
-- suspends the body just after, when the deadline has passed).
local function busy(ms)
  local stop = std.time.monotonic() + ms / 1000
  string.gsub("x", "x", function()
    while std.time.monotonic() < stop do end
  end)
end
-- the body suspends after the deadline: its children never start, nor does
-- the code after the suspension point
local ran = 0
local ok, err = pcall(task.with_timeout, 10, function(s)
  for _ = 1, 3 do s:spawn(function() ran = ran + 1 end) end
  busy(30)
  task.yield()
  ran = ran + 100
end, { grace_ms = 0 })
assert(not ok and tostring(err) == "task.with_timeout: exceeded 10 ms", tostring(err))
assert(ran == 0, "code ran in the scope after its deadline: " .. ran)
-- the body returns after the deadline with children still queued
ran = 0
ok, err = pcall(task.with_timeout, 10, function(s)
  for _ = 1, 3 do s:spawn(function() ran = ran + 1 end) end
  busy(30)
  return "late"
end, { grace_ms = 0 })
assert(not ok and tostring(err) == "task.with_timeout: exceeded 10 ms", tostring(err))
assert(ran == 0, "children started after the deadline: " .. ran)
-- nothing left but the body, which returns late: still exceeded
ok, err = pcall(task.with_timeout, 10, function()
  busy(30)
  return "late"
end)
assert(not ok and tostring(err) == "task.with_timeout: exceeded 10 ms", tostring(err))
-- in time, the values come back
assert(task.with_timeout(1000, function() busy(1); return "in time" end) == "in time")
print("ok")
