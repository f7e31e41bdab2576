-- args: --virtual-time
-- coroutine.yield(ms) at task level is woken by a cancellation; yield() in
-- a cancelled task raises "task cancelled"; both come back after pcall.
local task = std.task
local clock = std.time.monotonic
local saw = {}
local t0 = clock()
task.scope(function(s)
  s:spawn(function()
    local ok, err = pcall(coroutine.yield, 100000)
    saw[#saw + 1] = (not ok and task.is_cancelled(err)) and "sleep cancelled" or tostring(err)
    ok, err = pcall(coroutine.yield)
    saw[#saw + 1] = (not ok and task.is_cancelled(err)) and "yield cancelled" or tostring(err)
    ok, err = pcall(coroutine.yield, 0)
    saw[#saw + 1] = (not ok and task.is_cancelled(err)) and "yield(0) cancelled" or tostring(err)
  end, { driver = "coroutine" })
  task.sleep(10)
  s:cancel()
end)
assert(table.concat(saw, ",") == "sleep cancelled,yield cancelled,yield(0) cancelled", table.concat(saw, ","))
assert(clock() - t0 < 2, "the cancellation was not prompt")
-- unprotected: the task ends cancelled
local h
task.scope(function(s)
  h = s:spawn(function() while true do coroutine.yield(5) end end, { driver = "coroutine" })
  task.sleep(12)
  s:cancel()
end)
local ok, err = pcall(function() return h:join() end)
assert(not ok and task.is_cancelled(err), tostring(err))
print("ok")
