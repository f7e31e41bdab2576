-- args: --virtual-time
-- move_on(ms, fn) returns true and fn's values when fn finished in time,
-- false when its own deadline passed (after the grace window, even if fn
-- then finished inside it). fn gets the scope; a scope:cancel() is not the
-- deadline and raises task cancelled; errors from fn propagate.
local task = std.task
local t0 = std.time.monotonic()
local function now() return math.floor((std.time.monotonic() - t0) * 1000 + 0.5) end
local r = table.pack(task.move_on(50, function(s)
  assert(tostring(s):find("scope"))
  task.sleep(10)
  return 1, nil, 3
end))
assert(r.n == 4 and r[1] == true and r[2] == 1 and r[3] == nil and r[4] == 3)
r = table.pack(task.move_on(20, function() task.sleep(100) return "late" end))
assert(r.n == 1 and r[1] == false and now() == 30)
-- finished inside the grace window: still false, values dropped
r = table.pack(task.move_on(10, function()
  pcall(task.sleep, 100)
  task.shield(function() task.sleep(3) end)  -- cleanup that takes time
  return "x"
end, { grace_ms = 50 }))
assert(r.n == 1 and r[1] == false and now() == 43, now())
local ok, err = pcall(task.move_on, 10, function(s) s:cancel(); task.checkpoint() end)
assert(not ok and task.is_cancelled(err))
ok, err = pcall(task.move_on, 10, function() error("boom", 0) end)
assert(not ok and err == "boom")
-- misuse
ok, err = pcall(task.move_on, 10, function() end, { grace = 1 })
assert(tostring(err):find("task.move_on: unknown opts key 'grace' (expected 'grace_ms')", 1, true), tostring(err))
ok, err = pcall(task.move_on, 10, function() end, { grace_ms = "1" })
assert(tostring(err):find("task.move_on: opts.grace_ms must be a number, got string", 1, true), tostring(err))
ok, err = pcall(task.move_on, 10, function() end, { [1] = 1 })
assert(tostring(err):find("task.move_on: opts keys must be strings, got integer", 1, true), tostring(err))
ok, err = pcall(task.move_on, -1, function() end)
assert(not ok and tostring(err):find("task.move_on", 1, true), tostring(err))
print("ok")
