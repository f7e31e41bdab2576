-- args: --virtual-time
-- gather runs each function in its own task and returns an array whose
-- [i] is the first value fns[i] returned, with n = #fns, whatever order
-- they finish in; an empty array gives an empty result at once.
local task = std.task
local r = task.gather({
  function() task.sleep(30); return "a", "ignored" end,
  function() task.sleep(10); return nil end,
  function() return 3 end,
  function() task.sleep(20) end,
})
assert(r.n == 4 and r[1] == "a" and r[2] == nil and r[3] == 3 and r[4] == nil)
local empty = task.gather({})
assert(empty.n == 0 and next(empty, nil) == "n")
-- each runs in its own task, all at once
local ids, t0 = {}, std.time.monotonic()
task.gather({
  function() ids[1] = task.current().id; task.sleep(50) end,
  function() ids[2] = task.current().id; task.sleep(50) end,
})
assert(ids[1] and ids[2] and ids[1] ~= ids[2])
assert(math.abs((std.time.monotonic() - t0) * 1000 - 50) < 1, "they ran at the same time")
print("ok")
