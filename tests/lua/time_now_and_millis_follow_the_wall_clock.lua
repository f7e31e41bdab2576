-- std.time.now() is epoch seconds as a float, millis() epoch milliseconds
-- as an integer; both agree with os.time().
local time = std.time
local now = time.now()
assert(math.type(now) == "float", "now() must be a float")
assert(math.abs(now - os.time()) < 2, ("now() %f vs os.time() %d"):format(now, os.time()))
local ms = time.millis()
assert(math.type(ms) == "integer", "millis() must be an integer, got " .. tostring(math.type(ms)))
assert(math.abs(ms / 1000 - os.time()) < 2, "millis() " .. ms)
assert(math.abs(ms / 1000 - time.now()) < 1, "millis() and now() disagree")
-- now() has sub-second resolution and moves forward across a sleep
local t0 = time.now()
std.task.sleep(30)
local dt = time.now() - t0
assert(dt >= 0.02 and dt < 2, "now() moved " .. dt .. " s across a 30 ms sleep")
local m0 = time.millis()
std.task.sleep(20)
local dm = time.millis() - m0
assert(dm >= 15 and dm < 2000, "millis() moved " .. dm .. " across a 20 ms sleep")
print("ok")
