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
-- while b sleeps inside the shared coroutine, another task runs freely
local ticks = 0
local ticker = task.spawn(function() for _ = 1, 3 do ticks = ticks + 1; task.yield() end end)
local c = task.spawn(function() return select(2, coroutine.resume(shared)) end)
assert(c:join() == c.id .. "/" .. c.id)
ticker:join()
assert(ticks == 3)
print("ok")
