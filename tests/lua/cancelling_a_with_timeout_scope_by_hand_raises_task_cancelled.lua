-- Cancelling a with_timeout scope through its scope object is an ordinary
-- cancellation: with_timeout raises "task cancelled", not "exceeded", and
-- does not wait for the deadline.
local task = std.task
local t0 = std.time.monotonic()
local child_saw
local ok, err = pcall(task.with_timeout, 100000, function(s)
  s:spawn(function()
    local cok, cerr = pcall(task.sleep, 100000)
    child_saw = (not cok) and tostring(cerr) or "slept"
  end)
  task.sleep(5)
  s:cancel()
  task.sleep(100000)
end)
assert(not ok and task.is_cancelled(err) and err.kind == "cancelled", tostring(err))
assert(child_saw == "task cancelled", tostring(child_saw))
assert(std.time.monotonic() - t0 < 2, "with_timeout waited after a manual cancel")
print("ok")
