-- A body error before the deadline cancels the children (with the grace
-- window, then hard abort) and re-raises the body's own error, not
-- "exceeded".
local task = std.task
local clock = std.time.monotonic
local e = { "body failed" }
local child_saw
local t0 = clock()
local ok, err = pcall(task.with_timeout, 100000, function(s)
  s:spawn(function()
    local cok, cerr = pcall(task.sleep, 100000)
    child_saw = (not cok) and cerr or "slept"
  end)
  task.sleep(10)
  error(e)
end)
assert(not ok and rawequal(err, e), "got " .. tostring(err))
assert(task.is_cancelled(child_saw), "child saw " .. tostring(child_saw))
assert(clock() - t0 < 2, "the children were not cancelled at the body error")
-- a child that ignores the cancellation is hard-aborted after the grace
local closed = false
local stubborn
t0 = clock()
ok, err = pcall(task.with_timeout, 100000, function(s)
  stubborn = s:spawn(function()
    local g <close> = setmetatable({}, { __close = function() closed = true end })
    while true do pcall(task.yield) end
  end)
  task.yield()
  error(e)
end, { grace_ms = 80 })
local took = (clock() - t0) * 1000
assert(not ok and rawequal(err, e), "got " .. tostring(err))
assert(closed, "the stubborn child was not torn down")
assert(took >= 80 - 2 and took < 2000, ("took %.1f ms"):format(took))
local sok, serr = pcall(function() return stubborn:join() end)
assert(not sok and tostring(serr) == "task aborted", tostring(serr))
print("ok")
