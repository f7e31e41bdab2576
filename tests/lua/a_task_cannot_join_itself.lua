-- A task joining itself gets an error at once instead of a deadlock, also
-- from a scope body it opened and from inside its own coroutines.
local task = std.task
local want = "std.task: a task cannot join itself"
local me
me = task.spawn(function()
  local results = {}
  local ok, err = pcall(function() return me:join() end)
  results[1] = (not ok) and tostring(err) or "joined?"
  task.scope(function()
    local ok2, err2 = pcall(function() return me:join() end)
    results[2] = (not ok2) and tostring(err2) or "joined?"
  end)
  local gen = coroutine.wrap(function()
    local ok3, err3 = pcall(function() return me:join() end)
    coroutine.yield((not ok3) and tostring(err3) or "joined?")
  end)
  results[3] = gen()
  return table.unpack(results)
end)
local a, b, c = me:join()
for i, got in ipairs({ a, b, c }) do
  assert(got and got:find(want, 1, true), ("case %d: %s"):format(i, tostring(got)))
end
-- the failed self-joins did not spend the handle: the main chunk joined it above
assert(me:is_finished())
print("ok")
