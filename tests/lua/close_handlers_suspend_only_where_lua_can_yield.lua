-- A __close handler may suspend where Lua lets it yield (a block exit, an
-- error unwinding to a pcall in the task, as in plain Lua); during a hard
-- abort or when the runtime closes a dead task it cannot, so a suspension
-- there raises "cannot suspend here" and the other handlers still run.
local task = std.task
-- unwinding to a pcall: the sleep works and the original error survives
local h = task.spawn(function()
  local slept = false
  local ok, err = pcall(function()
    local g <close> = setmetatable({}, { __close = function() task.sleep(1); slept = true end })
    error("original", 0)
  end)
  return ok, err, slept
end)
local ok, msg, slept = h:join()
assert(ok == false and msg == "original" and slept == true, tostring(msg) .. " " .. tostring(slept))
-- a hard abort: the suspending handler fails, the next one still runs
local ran = {}
local a = task.spawn(function()
  local first <close> = setmetatable({}, { __close = function() ran[#ran + 1] = "first" end })
  local second <close> = setmetatable({}, { __close = function()
    ran[#ran + 1] = "second"
    task.yield()
    ran[#ran + 1] = "second resumed"
  end })
  task.sleep(100000)
end)
task.sleep(5)
a:abort()
local aok, aerr = pcall(function() return a:join() end)
assert(not aok and tostring(aerr) == "task aborted", tostring(aerr))
assert(table.concat(ran, ",") == "second,first", table.concat(ran, ","))
-- a task dying with an error: the runtime runs its handlers and cannot let them suspend
local closed = {}
local f = task.spawn(function()
  local x <close> = setmetatable({}, { __close = function() closed[#closed + 1] = "x" end })
  local y <close> = setmetatable({}, { __close = function()
    closed[#closed + 1] = "y"
    task.sleep(1)
    closed[#closed + 1] = "y resumed"
  end })
  task.yield()
  error("task failure", 0)
end)
local fok, ferr = pcall(function() return f:join() end)
-- as in plain Lua, an error raised by a __close handler replaces the one being unwound
assert(not fok and tostring(ferr):find("std.task.sleep: cannot suspend here", 1, true), tostring(ferr))
assert(table.concat(closed, ",") == "y,x", table.concat(closed, ","))
assert(task.spawn(function() task.sleep(1); return "alive" end):join() == "alive")
print("ok")
