-- A __close handler that had started when a hard abort came (time slicing
-- suspended it in the middle, or it was suspended in a sleep of its own)
-- finishes, as the handlers not yet started do; it cannot suspend any more
-- (its sleep raises). Before, the running handler was dropped with the
-- thread.
-- args: --slice-ms 1
local task = std.task

-- preempted in the middle of a busy handler
local started, finished = false, false
local busy = task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function()
    started = true
    local t0 = os.clock()
    while os.clock() - t0 < 0.05 do end -- preempted here, many times
    finished = true
  end })
end)
repeat task.yield() until started
assert(not finished)
busy:abort()
local ok, err = pcall(busy.join, busy)
assert(not ok and task.is_cancelled(err) == false and tostring(err) == "task aborted", tostring(err))
assert(finished, "the running __close handler was dropped")

-- suspended in the handler
local slept, after = nil, false
local sleeper = task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function()
    started = "sleeper"
    slept = table.pack(pcall(task.sleep, 3600000))
    after = true
  end })
end)
repeat task.yield() until started == "sleeper"
sleeper:abort()
pcall(sleeper.join, sleeper)
assert(after, "the suspended __close handler was dropped")
assert(slept[1] == false, "a sleep in an aborted task's handler returned")
print("ok")
