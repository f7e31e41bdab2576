-- A finalizer (__gc) may spawn: the task joins the scope of the code that
-- was running when the collector ran (here the main chunk's, the root
-- scope) and runs like any other. A finalizer cannot yield, so sleep,
-- yield and join raise "cannot suspend here" inside it (Lua turns an error
-- escaping a finalizer into a warning, off by default).
local task = std.task
local spawned
setmetatable({}, { __gc = function()
  spawned = task.spawn(function() task.yield(); return "spawned from __gc" end)
end })
collectgarbage()
collectgarbage()
assert(spawned, "the finalizer did not run")
assert(spawned:join() == "spawned from __gc")

local errors = {}
local pending = task.spawn(function() task.sleep(100000) end) -- unfinished while the finalizer runs
local h = task.spawn(function()
  -- Made here, the object is finalized inside this task, by the
  -- collection below at the latest.
  setmetatable({}, { __gc = function()
    errors[#errors + 1] = select(2, pcall(task.sleep, 1))
    errors[#errors + 1] = select(2, pcall(task.yield))
    errors[#errors + 1] = select(2, pcall(pending.join, pending))
  end })
  collectgarbage()
  collectgarbage()
  return #errors
end)
assert(h:join() == 3)
assert(errors[1] == "std.task.sleep: cannot suspend here", errors[1])
assert(errors[2] == "std.task.yield: cannot suspend here", errors[2])
assert(errors[3] == "std.task.join: cannot suspend here", tostring(errors[3]))
pending:abort()
assert(tostring(select(2, pcall(pending.join, pending))) == "task aborted")

-- an error escaping a finalizer does not disturb the scheduler
setmetatable({}, { __gc = function() task.sleep(1) end })
collectgarbage()
assert(task.spawn(function() task.sleep(1); return "still works" end):join() == "still works")
print("ok")
