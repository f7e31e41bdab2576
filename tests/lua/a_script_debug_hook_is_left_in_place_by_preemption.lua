-- A thread with the script's own debug hook is not preempted (the hook
-- would have to be replaced), and the hook keeps running as set.
local task = std.task
local calls = 0
local function count() calls = calls + 1 end
local h = task.spawn(function()
  debug.sethook(count, "", 1000)
  local give_up = os.clock() + 0.2
  while os.clock() < give_up do end
  local hook, mask, n = debug.gethook()
  debug.sethook()
  return hook == count, mask, n
end)
local same, mask, n = h:join()
assert(same, "the script's hook was replaced")
assert(mask == "" and n == 1000, ("hook mask %q, count %s"):format(mask, n))
assert(calls > 100, "the script's hook stopped running: " .. calls)
print("ok")
