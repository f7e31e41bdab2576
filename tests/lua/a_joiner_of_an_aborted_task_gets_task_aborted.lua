-- A task waiting in join when a third party aborts the target is woken
-- with "task aborted", promptly.
local task = std.task
local target = task.spawn(function() task.sleep(100000) end)
local waiter = task.spawn(function()
  local ok, err = pcall(function() return target:join() end)
  return ok, err
end)
task.sleep(5)
local t0 = std.time.monotonic()
target:abort()
local ok, err = waiter:join()
assert(ok == false and type(err) == "userdata" and err.kind == "aborted", tostring(err))
assert(std.time.monotonic() - t0 < 1, "the waiter was not woken promptly")
-- the waiter consumed the result: the handle is spent
local jok, jerr = pcall(function() return target:join() end)
assert(not jok and tostring(jerr) == "task already joined", tostring(jerr))
print("ok")
