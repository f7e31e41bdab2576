-- with_timeout's stage 3 (hard abort after the grace window) stops code
-- that never reaches a suspension point: a busy child and a busy body
-- end with `exceeded` in about deadline + grace + slice.
local task = std.task
local monotonic = std.time.monotonic

local function timed(fn)
  local t0 = monotonic()
  local ok, err = pcall(task.with_timeout, 50, fn, { grace_ms = 20 })
  return ok, err, monotonic() - t0
end

-- a busy child; the body waits
local ok, err, took = timed(function(scope)
  scope:spawn(function() while true do end end)
  task.sleep(60000)
end)
assert(not ok and tostring(err) == "task.with_timeout: exceeded 50 ms", tostring(err))
assert(took < 2, ("busy child: took %.3f s"):format(took))

-- a busy body
ok, err, took = timed(function() while true do end end)
assert(not ok and tostring(err) == "task.with_timeout: exceeded 50 ms", tostring(err))
assert(took < 2, ("busy body: took %.3f s"):format(took))

-- both, inside a task
local h = task.spawn(function()
  return timed(function(scope)
    scope:spawn(function() while true do end end)
    while true do end
  end)
end)
ok, err, took = h:join()
assert(not ok and tostring(err) == "task.with_timeout: exceeded 50 ms", tostring(err))
assert(took < 2, ("busy body and child in a task: took %.3f s"):format(took))
print("ok")
