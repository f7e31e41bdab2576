-- Task ids are "t<N>" with N counting from 1 per Lua state, in spawn
-- order, wherever the spawn happens; scopes do not take ids.
local task = std.task
local ids = {}
local first = task.spawn(function() end)
ids[#ids + 1] = first.id
assert(first.id == "t1", "the first task of the state is " .. first.id)
task.scope(function(s)
  ids[#ids + 1] = s:spawn(function() end).id                     -- t2
  ids[#ids + 1] = task.spawn(function()                           -- t3
    ids[#ids + 1] = task.spawn(function() end).id                 -- t4, spawned when t3 runs
  end).id
end)
for _ = 1, 50 do ids[#ids + 1] = task.spawn(function() end).id end
local seen = {}
for i, id in ipairs(ids) do
  assert(id == "t" .. i, ("spawn #%d got id %s"):format(i, id))
  assert(not seen[id], "duplicate id " .. id)
  seen[id] = true
end
assert(task.spawn(function() return task.current().id end, { driver = "coroutine" }):join() == "t55")
print("ok")
