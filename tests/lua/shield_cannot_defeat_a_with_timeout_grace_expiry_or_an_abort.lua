-- args: --virtual-time
-- A hard abort still reaches into a shield: a with_timeout whose grace
-- window runs out, and Handle:abort, stop the shielded code and run its
-- __close handlers.
local task = std.task
local t0 = std.time.monotonic()
local function now() return math.floor((std.time.monotonic() - t0) * 1000 + 0.5) end
local closed = 0
local ok, err = pcall(task.with_timeout, 20, function()
  task.shield(function()
    local c <close> = setmetatable({}, { __close = function() closed = closed + 1 end })
    task.sleep(100000)
  end)
end, { grace_ms = 10 })
assert(not ok and err.kind == "timeout", tostring(err))
assert(now() == 30 and closed == 1, now() .. " " .. closed)

local h = task.spawn(function()
  task.shield(function()
    local c <close> = setmetatable({}, { __close = function() closed = closed + 1 end })
    task.sleep(100000)
  end)
end)
task.sleep(1)
h:abort()
ok, err = pcall(h.join, h)
assert(not ok and err.kind == "aborted" and closed == 2)
print("ok")
