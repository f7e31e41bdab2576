-- A __close handler runs where Lua cannot yield when an error unwinds
-- (pcall, a dying task, a hard abort): a suspension there raises
-- "cannot suspend here" instead of crashing, and the other handlers run.
local task = std.task
-- unwinding through pcall inside a task
local h = task.spawn(function()
  local ok, err = pcall(function()
    local g <close> = setmetatable({}, { __close = function() task.sleep(1) end })
    error("original", 0)
  end)
  task.sleep(1)
  return ok, tostring(err)
end)
local ok, msg = h:join()
assert(ok == false and msg:find("std.task.sleep: cannot suspend here", 1, true), msg)
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
-- a task failing with an error: its handlers are run by the runtime
local closed = {}
local f = task.spawn(function()
  local x <close> = setmetatable({}, { __close = function() closed[#closed + 1] = "x" end })
  local y <close> = setmetatable({}, { __close = function() closed[#closed + 1] = "y"; task.checkpoint() end })
  task.yield()
  error("task failure", 0)
end)
local fok, ferr = pcall(function() return f:join() end)
assert(not fok, "the failing task must fail")
assert(table.concat(closed, ",") == "y,x", table.concat(closed, ","))
assert(task.spawn(function() task.sleep(1); return "alive" end):join() == "alive")
print("ok")
