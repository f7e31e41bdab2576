-- Cooperative but slow: after the cancel it keeps working (giving the loop
-- a turn at each step) for 5 s, far beyond the grace window.
std.task.spawn(function()
  local guard <close> = setmetatable({}, { __close = function()
    print("task closed"); io.stdout:flush()
  end })
  print("ready"); io.stdout:flush()
  pcall(std.task.sleep, 1e9)
  local t0 = std.time.monotonic()
  while std.time.monotonic() - t0 < 5 do pcall(std.task.yield) end
  print("slow cleanup finished")
end)
