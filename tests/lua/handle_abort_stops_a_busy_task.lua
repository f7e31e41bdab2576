-- A hard abort reaches a task that never suspends: it takes effect at the
-- task's next preemption point, and its __close handlers run.
-- Time slicing (--slice-ms) is what this is about.
-- args: --slice-ms 10
local task = std.task
local closed = false
local h = task.spawn(function()
  local _ <close> = setmetatable({}, { __close = function() closed = true end })
  while true do end
end)
task.sleep(50)
local t0 = std.time.monotonic()
h:abort()
local ok, err = pcall(h.join, h)
assert(not ok and tostring(err) == "task aborted", tostring(err))
assert(std.time.monotonic() - t0 < 2, "the abort took too long")
assert(closed, "the __close handler did not run")
assert(h:is_finished())
print("ok")
