-- Every suspension point called from a string.gsub callback raises
-- "std.task.<fn>: cannot suspend here", in both drivers.
local task = std.task
local function probe()
  local target = task.spawn(function() task.sleep(50); return "target value" end)
  local function in_callback(fn)
    local ok, err = pcall(string.gsub, "abc", "%w", function(c) fn(); return c end)
    assert(not ok, "suspending inside the callback must fail")
    return tostring(err)
  end
  local got = {
    sleep = in_callback(function() task.sleep(1) end),
    yield = in_callback(function() task.yield() end),
    checkpoint = in_callback(function() task.checkpoint() end),
    join = in_callback(function() target:join() end),
    scope = in_callback(function() task.scope(function() end) end),
  }
  task.yield()
  got.after = target:join()
  return got
end
for _, driver in ipairs({ "async_fn", "coroutine" }) do
  local got = task.spawn(probe, { driver = driver }):join()
  for _, fn in ipairs({ "sleep", "yield", "checkpoint", "join", "scope" }) do
    local want = "std.task." .. fn .. ": cannot suspend here"
    assert(got[fn]:find(want, 1, true), ("%s/%s: got %q"):format(driver, fn, got[fn]))
  end
  assert(got.after == "target value", driver .. ": " .. tostring(got.after))
end
print("ok")
