-- A hard abort of a task preempted while busy inside the script's own
-- coroutine closes that coroutine (its __close handlers run, innermost
-- first) and then the task's thread.
-- Time slicing (--slice-ms) is what this is about.
-- args: --slice-ms 10
local task = std.task
local log = {}
local function closer(name)
  return setmetatable({}, { __close = function() log[#log + 1] = name end })
end
local started = false
local h = task.spawn(function()
  local _ <close> = closer("task")
  local co = coroutine.wrap(function()
    local _ <close> = closer("coroutine")
    started = true
    while true do end
  end)
  co()
end)
local give_up = std.time.monotonic() + 5
while not started and std.time.monotonic() < give_up do task.sleep(1) end
assert(started, "the task never started its coroutine")
h:abort()
local ok, err = pcall(h.join, h)
assert(not ok and tostring(err) == "task aborted", tostring(err))
assert(table.concat(log, ",") == "coroutine,task", table.concat(log, ","))
print("ok")
