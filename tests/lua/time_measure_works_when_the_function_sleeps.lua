-- measure(fn) may suspend: the elapsed time covers the sleep, in the main
-- chunk and inside tasks of both drivers, while other tasks run.
local time = std.time
local task = std.task
local e, v = time.measure(function() task.sleep(30); return "slept" end)
assert(v == "slept")
assert(e >= 0.029 and e < 2, "measured " .. e .. " s for a 30 ms sleep")
local others = 0
local bg = task.spawn(function() for _ = 1, 5 do task.sleep(2); others = others + 1 end end)
for _, driver in ipairs({ "async_fn", "coroutine" }) do
  local h = task.spawn(function()
    return time.measure(function(ms) task.sleep(ms); task.yield(); return ms end, 20)
  end, { driver = driver })
  local te, tv = h:join()
  assert(tv == 20 and te >= 0.019 and te < 2, driver .. ": measured " .. tostring(te))
end
bg:join()
assert(others == 5)
print("ok")
