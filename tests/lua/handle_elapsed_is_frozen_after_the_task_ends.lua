-- elapsed() counts from spawn while the task lives (a float, in ms) and is
-- frozen once it returned, failed, was cancelled or aborted.
local task = std.task
local function check_frozen(h, label)
  local e1 = h:elapsed()
  task.sleep(30)
  local e2 = h:elapsed()
  assert(e1 == e2, ("%s: elapsed kept counting (%s then %s)"):format(label, e1, e2))
  assert(math.type(e1) == "float", label .. ": elapsed is not a float")
  return e1
end
-- counting while alive, before the first turn too
local h = task.spawn(function() task.sleep(40) end)
local e0 = h:elapsed()
assert(e0 >= 0 and math.type(e0) == "float")
task.sleep(15)
local e1 = h:elapsed()
assert(e1 >= 14 and e1 > e0, "not counting while alive: " .. e1)
h:join()
assert(check_frozen(h, "returned") >= 39)
local f = task.spawn(function() task.sleep(20); error("failure") end)
pcall(function() return f:join() end)
assert(check_frozen(f, "failed") >= 19)
local c
task.scope(function(s)
  c = s:spawn(function() task.sleep(100000) end)
  task.sleep(20)
  s:cancel()
end)
assert(check_frozen(c, "cancelled") >= 19)
pcall(function() return c:join() end)
local a = task.spawn(function() task.sleep(100000) end)
task.sleep(20)
a:abort()
pcall(function() return a:join() end)
local ea = check_frozen(a, "aborted")
assert(ea >= 19 and ea < 2000, "aborted: " .. ea)
print("ok")
