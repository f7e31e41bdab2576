-- Every suspension point called from a table.sort comparator (a C
-- boundary) raises "std.task.<fn>: cannot suspend here" instead of
-- crashing, and the task works normally afterwards.
local task = std.task
local h = task.spawn(function()
  local target = task.spawn(function() task.sleep(50); return "target value" end)
  local function in_comparator(fn)
    local ok, err = pcall(table.sort, { 3, 1, 2 }, function(a, b) fn(); return a < b end)
    assert(not ok, "suspending inside the comparator must fail")
    return tostring(err)
  end
  local got = {
    sleep = in_comparator(function() task.sleep(1) end),
    yield = in_comparator(function() task.yield() end),
    checkpoint = in_comparator(function() task.checkpoint() end),
    join = in_comparator(function() target:join() end),
    scope = in_comparator(function() task.scope(function() end) end),
    with_timeout = in_comparator(function() task.with_timeout(100, function() end) end),
  }
  -- the task can still suspend, and the handle it failed to wait for is joinable
  task.sleep(1)
  got.after = target:join()
  return got
end)
local got = h:join()
for _, fn in ipairs({ "sleep", "yield", "checkpoint", "join", "scope", "with_timeout" }) do
  local want = "std.task." .. fn .. ": cannot suspend here"
  assert(got[fn]:find(want, 1, true), ("%s: got %q"):format(fn, got[fn]))
end
assert(got.after == "target value", tostring(got.after))
print("ok")
