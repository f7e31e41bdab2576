-- std.time.monotonic() is a float number of seconds that never decreases,
-- in tight loops, across sleeps and across tasks.
local time = std.time
local prev = time.monotonic()
assert(math.type(prev) == "float", "monotonic() must be a float")
for i = 1, 100000 do
  local t = time.monotonic()
  assert(t >= prev, ("went backwards at call %d: %.9f < %.9f"):format(i, t, prev))
  prev = t
end
local last = time.monotonic()
std.task.scope(function(s)
  for _ = 1, 5 do
    s:spawn(function()
      for _ = 1, 20 do
        local t = time.monotonic()
        assert(t >= last, "went backwards across tasks")
        last = t
        std.task.yield()
      end
    end)
  end
end)
local a = time.monotonic()
std.task.sleep(25)
local b = time.monotonic()
assert(b - a >= 0.024 and b - a < 2, "a 25 ms sleep measured " .. (b - a) .. " s")
print("ok")
