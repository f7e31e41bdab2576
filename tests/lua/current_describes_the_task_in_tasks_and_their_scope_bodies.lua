-- Inside a task, current() gives a new table {id, name, cancelled, driver}
-- that describes that task, also in scope bodies the task opened; a task
-- spawned from a scope body describes itself.
local task = std.task
local h = task.spawn(function()
  local c = task.current()
  assert(type(c) == "table")
  assert(c.name == "worker" and c.cancelled == false and c.driver == "async_fn", "fields")
  local again = task.current()
  assert(not rawequal(c, again), "current() must return a new table each time")
  c.name = "changed"
  assert(task.current().name == "worker", "editing the table changed the task")
  local ids = { c.id }
  task.scope(function(s)
    ids[#ids + 1] = task.current().id
    task.with_timeout(1000, function()
      ids[#ids + 1] = task.current().id
      task.sleep(1)
      ids[#ids + 1] = task.current().id
    end)
    local child = s:spawn(function() return task.current().id, task.current().name end, { name = "kid" })
    local cid, cname = child:join()
    assert(cid == child.id and cid ~= c.id and cname == "kid", "child: " .. tostring(cid))
  end)
  return table.concat(ids, ",")
end, { name = "worker" })
local ids = h:join()
assert(ids == (h.id .. ","):rep(4):sub(1, -2), ids)
-- an unnamed task has no name; the field set is exactly these four
local u = task.spawn(function() return task.current() end):join()
assert(u.name == nil and u.id:match("^t%d+$") and u.cancelled == false and u.driver == "async_fn")
local keys = {}
for k in pairs(u) do keys[#keys + 1] = k end
table.sort(keys)
assert(table.concat(keys, ",") == "cancelled,driver,id", table.concat(keys, ","))
print("ok")
