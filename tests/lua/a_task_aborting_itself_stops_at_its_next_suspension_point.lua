-- A task that aborts itself runs on until its next suspension point, and
-- stops there: pcall cannot catch it, __close handlers run once, the
-- joiner gets "task aborted". Same from a scope body the task opened.
local task = std.task
local log, closed = {}, 0
local me
me = task.spawn(function()
  local g <close> = setmetatable({}, { __close = function() closed = closed + 1 end })
  me:abort()
  log[#log + 1] = "ran on after abort()"
  local ok = pcall(task.yield)
  log[#log + 1] = "past the suspension point (pcall " .. tostring(ok) .. ")"
end)
local ok, err = pcall(function() return me:join() end)
assert(not ok and tostring(err) == "task aborted", tostring(err))
assert(table.concat(log, ";") == "ran on after abort()", table.concat(log, ";"))
assert(closed == 1, "closed " .. closed)
-- aborted from a scope body it opened, by code it called
local body_log = {}
local self2
local function stop_myself() self2:abort() end
self2 = task.spawn(function()
  task.scope(function(s)
    s:spawn(function() pcall(task.sleep, 100000); body_log[#body_log + 1] = "child went on" end)
    stop_myself()
    body_log[#body_log + 1] = "body ran on"
    task.sleep(1)
    body_log[#body_log + 1] = "body past sleep"
  end)
  body_log[#body_log + 1] = "task past scope"
end)
ok, err = pcall(function() return self2:join() end)
assert(not ok and tostring(err) == "task aborted", tostring(err))
assert(table.concat(body_log, ";") == "body ran on", table.concat(body_log, ";"))
print("ok")
