-- By default a busy body that never suspends still cannot defeat a
-- deadline: at the deadline its cancellation is recorded, at the end of
-- the grace window it is hard-aborted (its __close handlers run) and
-- with_timeout raises exceeded.
local task = std.task
local closed = false
local t0 = std.time.monotonic()
local ok, err = pcall(task.with_timeout, 50, function()
  local _ <close> = setmetatable({}, { __close = function() closed = true end })
  while true do end
end, { grace_ms = 20 })
local took = std.time.monotonic() - t0
assert(not ok and tostring(err) == "task.with_timeout: exceeded 50 ms", tostring(err))
assert(closed, "the body's __close handler did not run")
assert(took >= 0.07, ("returned after %.3f s, before deadline + grace"):format(took))
assert(took < 2, ("returned after %.3f s"):format(took))
print("ok")
