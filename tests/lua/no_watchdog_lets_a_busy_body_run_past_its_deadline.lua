-- With the watchdog off (--no-watchdog) nothing stops busy code: a body
-- that computes past its deadline and its grace window runs to its end;
-- the deadline still counts once it returns (with_timeout raises exceeded).
-- args: --no-watchdog
local task = std.task
local finished = false
local ok, err = pcall(task.with_timeout, 20, function()
  local give_up = std.time.monotonic() + 0.2
  while std.time.monotonic() < give_up do end
  finished = true
end, { grace_ms = 0 })
assert(not ok and tostring(err) == "task.with_timeout: exceeded 20 ms", tostring(err))
assert(finished, "the busy body was stopped")
print("ok")
