-- A sleep never wakes before the requested time (measured with the
-- monotonic clock and with the task's own elapsed()).
local task = std.task
local clock = std.time.monotonic
for _, ms in ipairs({ 1, 2.5, 5, 13, 20, 37.5 }) do
  local t0 = clock()
  task.sleep(ms)
  local took = (clock() - t0) * 1000
  assert(took >= ms - 1, ("sleep(%s) woke after %.3f ms"):format(ms, took))
  assert(took < ms + 2000, ("sleep(%s) took %.3f ms"):format(ms, took))
end
-- many concurrent sleepers, each checked on its own
local early = {}
task.scope(function(s)
  for i = 1, 30 do
    s:spawn(function()
      local ms = i * 1.5
      local t0 = clock()
      task.sleep(ms)
      local took = (clock() - t0) * 1000
      if took < ms - 1 then early[#early + 1] = ("%s ms woke after %.3f"):format(ms, took) end
    end)
  end
end)
assert(#early == 0, table.concat(early, "; "))
local h = task.spawn(function() task.sleep(25) end)
h:join()
assert(h:elapsed() >= 24, "elapsed " .. h:elapsed())
print("ok")
