-- Two tasks that compute for 0.2 s and 0.4 s: they interleave only when
-- the runner preempts them.
local function busy(name, seconds)
  return function()
    print(name .. " starts")
    local t0 = std.time.monotonic()
    while std.time.monotonic() - t0 < seconds do end
    print(name .. " ends")
  end
end
std.task.spawn(busy("a", 0.2))
std.task.spawn(busy("b", 0.4))
