-- A task preempted inside pcall (and xpcall) continues inside it: errors
-- raised after the preemption are still caught there, results come back
-- unchanged, and the message handler still runs.
local task = std.task
local monotonic = std.time.monotonic
local other_ran = 0
local function spin(seconds)
  local t0 = monotonic()
  local before = other_ran
  while monotonic() - t0 < seconds do end
  return other_ran > before
end
local ticker = task.spawn(function()
  for _ = 1, 1000 do
    other_ran = other_ran + 1
    task.sleep(1)
  end
end)

local h = task.spawn(function()
  local ok1, err1 = pcall(function()
    assert(spin(0.1), "not preempted inside pcall")
    error({ code = 7 })
  end)
  local r = table.pack(pcall(function()
    spin(0.05)
    return 1, nil, 3
  end))
  local ok3, err3 = xpcall(function()
    spin(0.05)
    error("plain", 0)
  end, function(m) return "handled: " .. m end)
  return ok1, err1, r, ok3, err3
end)
local ok1, err1, r, ok3, err3 = h:join()
assert(ok1 == false and type(err1) == "table" and err1.code == 7, "pcall did not catch the error")
assert(r.n == 4 and r[1] == true and r[2] == 1 and r[3] == nil and r[4] == 3, "pcall results changed")
assert(ok3 == false and err3 == "handled: plain", tostring(err3))
ticker:abort()
print("ok")
