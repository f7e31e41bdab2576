-- Under the coroutine driver, coroutine.yield() gives one turn and
-- coroutine.yield(ms) sleeps at least ms; std.task calls work alongside.
local task = std.task
local clock = std.time.monotonic
-- yield() lets a peer run exactly once per yield
local log = {}
task.scope(function(s)
  s:spawn(function() for _ = 1, 5 do log[#log + 1] = "c"; coroutine.yield() end end, { driver = "coroutine" })
  s:spawn(function() for _ = 1, 5 do log[#log + 1] = "a"; task.yield() end end)
end)
assert(table.concat(log) == ("ca"):rep(5), table.concat(log))
-- yield(ms) sleeps, integer or float
local h = task.spawn(function()
  local out = {}
  for _, ms in ipairs({ 20, 7.5, 0 }) do
    local t0 = clock()
    coroutine.yield(ms)
    out[#out + 1] = (clock() - t0) * 1000
  end
  task.sleep(5)
  return out
end, { driver = "coroutine" })
local took = h:join()
assert(took[1] >= 19 and took[1] < 2000, "yield(20) took " .. took[1])
assert(took[2] >= 6.5 and took[2] < 2000, "yield(7.5) took " .. took[2])
assert(took[3] < 2000)
assert(h:elapsed() >= 20 + 7.5 + 5 - 2, "elapsed " .. h:elapsed())
-- yield(0) gives a turn
local ran = false
task.spawn(function()
  task.spawn(function() ran = true end)
  coroutine.yield(0)
  assert(ran, "yield(0) did not give a turn")
end, { driver = "coroutine" }):join()
print("ok")
