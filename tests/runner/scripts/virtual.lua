-- Sleeps of hours and a timeout, printing virtual elapsed times: with
-- --virtual-time the run is instant and its output the same on every run.
local task, clock = std.task, std.time.monotonic
local t0 = clock()
task.scope(function(s)
  for _, h in ipairs({ 3, 1, 2 }) do
    s:spawn(function()
      task.sleep(h * 3600 * 1000)
      print(("woke %dh at %.3f s"):format(h, clock() - t0))
    end)
  end
end)
local ok, err = pcall(task.with_timeout, 250, function() task.sleep(1e9) end)
print(("%s at %.3f s"):format(tostring(err), clock() - t0))
