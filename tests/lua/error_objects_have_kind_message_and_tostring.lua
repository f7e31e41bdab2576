-- The four runtime errors are userdata with kind and message fields and a
-- __tostring that returns exactly the message.
local task = std.task
local function caught(fn)
  local ok, err = pcall(fn)
  assert(not ok, "expected an error")
  return err
end
local function check(err, kind, message)
  assert(type(err) == "userdata", kind .. ": error is a " .. type(err))
  assert(err.kind == kind, ("kind %s, want %s"):format(tostring(err.kind), kind))
  assert(err.message == message, ("message %q, want %q"):format(tostring(err.message), message))
  assert(tostring(err) == message, ("tostring %q, want %q"):format(tostring(err), message))
end
local tok = task.cancel_token()
tok:cancel()
check(caught(function() tok:check() end), "cancelled", "task cancelled")

local sleeper = task.spawn(function() task.sleep(10000) end)
task.yield()
sleeper:abort()
check(caught(function() return sleeper:join() end), "aborted", "task aborted")

local once = task.spawn(function() end)
once:join()
check(caught(function() return once:join() end), "joined", "task already joined")

check(caught(function() task.with_timeout(15, function() task.sleep(10000) end) end),
  "timeout", "task.with_timeout: exceeded 15 ms")
check(caught(function() task.with_timeout(7.25, function() task.sleep(10000) end) end),
  "timeout", "task.with_timeout: exceeded 7.25 ms")
print("ok")
