-- try_send and try_recv never suspend and are not suspension points: they
-- work where nothing can suspend (a sort comparator, a cancelled task)
-- and report whether they could complete.
local task = std.task
local ch = task.channel(1)
local results = {}
table.sort({ 2, 1 }, function(a, b)
  if #results == 0 then
    results[1] = ch:try_send("in sort")
    results[2] = ch:try_send("no room")
    results[3] = ch:try_recv()
    results[4] = ch:try_recv()
  end
  return a < b
end)
assert(results[1] == true and results[2] == false and results[3] == "in sort" and results[4] == nil)
-- a blocking operation there cannot suspend
table.sort({ 2, 1 }, function(a, b)
  if not results.checked then
    results.checked = true
    local ok, err = pcall(ch.recv, ch)
    assert(not ok and tostring(err):find("std.task.Channel:recv: cannot suspend here", 1, true), tostring(err))
  end
  return a < b
end)
-- in a cancelled task the try forms still work, recv raises
local h2
task.scope(function(s)
  h2 = s:spawn(function()
    local ok = pcall(task.sleep, 1000)
    assert(not ok)
    assert(ch:try_send("late"))
    local got = ch:try_recv()
    local ok2, err = pcall(ch.recv, ch)
    return got, ok2, task.is_cancelled(err)
  end)
  task.yield()
  s:cancel()
end)
local got, ok2, cancelled = h2:join()
assert(got == "late" and ok2 == false and cancelled == true)
print("ok")
