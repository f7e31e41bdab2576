-- A task preempted inside pcall (and xpcall) continues inside it: errors
-- raised after the preemption are still caught there, results come back
-- unchanged, and the message handler still runs.
-- Time slicing (--slice-ms) is what this is about.
-- args: --slice-ms 10
local task = std.task
local other_ran = 0
-- Computes until another task has run (or 5 s of CPU time have passed).
local function spin()
  local before, give_up = other_ran, os.clock() + 5
  while other_ran == before and os.clock() < give_up do end
  return other_ran > before
end
local ticker = task.spawn(function()
  for _ = 1, 1000 do
    other_ran = other_ran + 1
    task.sleep(1)
  end
end)

local h = task.spawn(function()
  local preempted = {}
  local ok1, err1 = pcall(function()
    preempted[1] = spin()
    error({ code = 7 })
  end)
  local r = table.pack(pcall(function()
    preempted[2] = spin()
    return 1, nil, 3
  end))
  local ok3, err3 = xpcall(function()
    preempted[3] = spin()
    error("plain", 0)
  end, function(m) return "handled: " .. m end)
  return ok1, err1, r, ok3, err3, preempted
end)
local ok1, err1, r, ok3, err3, preempted = h:join()
assert(preempted[1] and preempted[2] and preempted[3], "not preempted inside pcall")
assert(ok1 == false and type(err1) == "table" and err1.code == 7, "pcall did not catch the error")
assert(r.n == 4 and r[1] == true and r[2] == 1 and r[3] == nil and r[4] == 3, "pcall results changed")
assert(ok3 == false and err3 == "handled: plain", tostring(err3))
ticker:abort()
print("ok")
