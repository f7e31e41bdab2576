-- At the deadline the body and the children are cancelled and may finish
-- their cleanup inside the grace window; with_timeout then raises
-- "exceeded" as soon as everyone has stopped, without waiting out the grace.
local task = std.task
local clock = std.time.monotonic
local function busy(ms) local t0 = clock(); while (clock() - t0) * 1000 < ms do end end
-- The cleanups are busy long enough to be preempted, and preemption can
-- fall inside `t[#t + 1] = v` (between reading the length and storing),
-- so they record with table.insert, which no preemption splits.
local cleaned = {}
local t0 = clock()
local ok, err = pcall(task.with_timeout, 30, function(s)
  for i = 1, 3 do
    s:spawn(function()
      local sok = pcall(task.sleep, 100000)
      assert(not sok)
      busy(20)
      table.insert(cleaned, "child" .. i)
    end)
  end
  local bok, berr = pcall(task.sleep, 100000)
  assert(not bok and task.is_cancelled(berr))
  busy(20)
  table.insert(cleaned, "body")
end, { grace_ms = 5000 })
local took = (clock() - t0) * 1000
assert(not ok and tostring(err) == "task.with_timeout: exceeded 30 ms", tostring(err))
table.sort(cleaned)
assert(table.concat(cleaned, ",") == "body,child1,child2,child3", table.concat(cleaned, ","))
assert(took >= 29 + 20, ("took %.1f ms: the cleanups cannot all have run"):format(took))
assert(took < 3000, ("took %.1f ms: waited out the 5000 ms grace"):format(took))
print("ok")
