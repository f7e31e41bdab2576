-- is_cancelled(err) recognises the cancellation error object and nothing
-- else: not the other runtime errors, not look-alike plain values.
local task = std.task
local function caught(fn)
  local ok, err = pcall(fn)
  assert(not ok, "expected an error")
  return err
end
local tok = task.cancel_token()
tok:cancel()
assert(task.is_cancelled(caught(function() tok:check() end)) == true, "token check")
-- cancellation raised by a suspension point in a cancelled scope
local from_sleep
task.scope(function(s) s:cancel(); from_sleep = caught(function() task.sleep(10) end) end)
assert(task.is_cancelled(from_sleep) == true, "sleep in a cancelled scope")
-- the other kinds are not cancellations
local sleeper = task.spawn(function() task.sleep(10000) end)
task.yield()
sleeper:abort()
local aborted = caught(function() return sleeper:join() end)
assert(aborted.kind == "aborted")
assert(task.is_cancelled(aborted) == false, "aborted is not cancelled")
local once = task.spawn(function() end)
once:join()
assert(task.is_cancelled(caught(function() return once:join() end)) == false, "joined is not cancelled")
local timeout = caught(function() task.with_timeout(5, function() task.sleep(10000) end) end)
assert(timeout.kind == "timeout")
assert(task.is_cancelled(timeout) == false, "timeout is not cancelled")
-- plain values
for _, v in ipairs({ "task cancelled", 0, 1.5, true, false, {}, { kind = "cancelled", message = "task cancelled" },
                     setmetatable({}, { __tostring = function() return "task cancelled" end }),
                     print, io.stdout, tok }) do
  assert(task.is_cancelled(v) == false, "plain value " .. tostring(v) .. " counted as cancelled")
end
assert(task.is_cancelled(nil) == false)
print("ok")
