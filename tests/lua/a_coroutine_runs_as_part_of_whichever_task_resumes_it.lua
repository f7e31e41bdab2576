-- A coroutine created by one task and resumed by another belongs, while it
-- runs, to the task that resumed it: current() names that task, and a
-- sleep inside it suspends that task only.
local task = std.task
local shared = coroutine.create(function()
  while true do
    local c = task.current()
    task.sleep(5)
    local again = task.current()
    coroutine.yield((c and c.id or "main") .. "/" .. (again and again.id or "main"))
  end
end)
local a = task.spawn(function() return select(2, coroutine.resume(shared)) end)
local av = a:join()
assert(av == a.id .. "/" .. a.id, "resumed by a: " .. tostring(av))
local b = task.spawn(function() return select(2, coroutine.resume(shared)) end)
local bv = b:join()
assert(bv == b.id .. "/" .. b.id, "resumed by b: " .. tostring(bv))
local _, mv = coroutine.resume(shared)
assert(mv == "main/main", "resumed by the main chunk: " .. tostring(mv))
-- while a task sleeps inside the shared coroutine, other tasks run freely
local ticks, c_done = 0, false
local ticker = task.spawn(function() while not c_done do ticks = ticks + 1; task.yield() end end)
local c = task.spawn(function()
  local r = select(2, coroutine.resume(shared))
  c_done = true
  return r, ticks
end)
local cv, ticks_then = c:join()
assert(cv == c.id .. "/" .. c.id, "resumed by c: " .. tostring(cv))
assert(ticks_then > 1, "no other task ran while c slept inside the coroutine")
ticker:join()
print("ok")
