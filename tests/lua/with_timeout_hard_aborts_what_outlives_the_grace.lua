-- A body and a child that ignore the cancellation are hard-aborted when
-- the grace window runs out; their __close handlers run; then
-- with_timeout raises "exceeded".
local task = std.task
local clock = std.time.monotonic
local closed = {}
local function guard(name)
  return setmetatable({}, { __close = function() closed[#closed + 1] = name end })
end
local child
local t0 = clock()
local ok, err = pcall(task.with_timeout, 30, function(s)
  local b <close> = guard("body")
  child = s:spawn(function()
    local c <close> = guard("child")
    while true do pcall(task.yield) end -- swallows every cancellation
  end)
  while true do pcall(task.yield) end
end, { grace_ms = 100 })
local took = (clock() - t0) * 1000
assert(not ok and tostring(err) == "task.with_timeout: exceeded 30 ms", tostring(err))
assert(took >= 30 + 100 - 2, ("raised after %.1f ms, before the grace ran out"):format(took))
assert(took < 2000, ("took %.1f ms"):format(took))
table.sort(closed)
assert(table.concat(closed, ",") == "body,child", table.concat(closed, ","))
local cok, cerr = pcall(function() return child:join() end)
assert(not cok and tostring(cerr) == "task aborted", tostring(cerr))
print("ok")
