-- Cancellation is level-triggered: a cancelled token stays cancelled and
-- check() raises every time, also after its scope has ended.
local task = std.task
local tok = task.cancel_token()
tok:cancel()
for i = 1, 3 do
  assert(tok:is_cancelled() == true)
  local ok, err = pcall(function() tok:check() end)
  assert(not ok and tostring(err) == "task cancelled", "check #" .. i .. ": " .. tostring(err))
end
tok:cancel() -- idempotent
assert(tok:is_cancelled())
local saved
task.scope(function(s) saved = s; s:cancel() end)
task.sleep(5)
assert(saved:token():is_cancelled(), "a scope token forgot its cancellation")
for _ = 1, 2 do
  local ok, err = pcall(function() saved:token():check() end)
  assert(not ok and task.is_cancelled(err))
end
-- check() returns nothing when not cancelled
local fresh = task.cancel_token()
assert(select("#", fresh:check()) == 0, "check() must return nothing")
print("ok")
