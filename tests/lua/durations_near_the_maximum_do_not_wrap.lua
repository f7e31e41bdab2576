-- A duration just below the maximum (2^64 / 1e6 ms) lies in the far future:
-- `now + duration` saturates instead of wrapping into the past. Before, such
-- a sleep returned at once, such a deadline had always passed, and such a
-- grace window (also the runner's --grace-ms) acted as grace 0.
local task = std.task
local huge = 2 ^ 64 / 1e6 - 1

local woke = false
local sleeper = task.spawn(function() task.sleep(huge); woke = true end)
for _ = 1, 20 do task.yield() end
task.sleep(20)
assert(not woke and not sleeper:is_finished(), "a sleep of the largest duration returned")
sleeper:abort()

local ok, v = pcall(task.with_timeout, huge, function() task.sleep(1); return "body" end)
assert(ok and v == "body", "a deadline of the largest duration had passed: " .. tostring(v))

-- With a grace window of the largest duration, a cancelled body finishes
-- its (busy) cleanup.
local finished = false
local ok2, err = pcall(task.with_timeout, 10, function()
  pcall(task.sleep, 100000)
  local until_ = std.time.monotonic() + 0.03
  while std.time.monotonic() < until_ do end
  finished = true
end, { grace_ms = huge })
assert(not ok2 and tostring(err) == "task.with_timeout: exceeded 10 ms", tostring(err))
assert(finished, "the cleanup was hard-aborted: the grace window acted as 0")

-- The runner's --grace-ms of the largest value: the shutdown after Ctrl-C
-- lets a busy cleanup finish.
local first = -1
while arg[first - 1] ~= nil do first = first - 1 end
local script = os.tmpname()
local f = assert(io.open(script, "w"))
f:write([[
local task = std.task
local pid = io.open("/proc/self/stat"):read("n")
task.spawn(function()
  pcall(task.sleep, 100000)
  local until_ = std.time.monotonic() + 0.03
  while std.time.monotonic() < until_ do end
  print("cleanup finished")
end)
task.yield()
io.popen("kill -INT " .. pid):close()
task.sleep(100000)
]])
f:close()
local p = io.popen(("'%s' --grace-ms 18446744073709 '%s'"):format(arg[first], script))
local out = p:read("a")
local _, _, status = p:close()
os.remove(script)
assert(out:find("cleanup finished", 1, true), "the runner's shutdown grace acted as 0: " .. out)
assert(status == 130, "exit status " .. tostring(status))
print("ok")
