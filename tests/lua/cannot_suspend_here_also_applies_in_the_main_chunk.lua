-- The main chunk and the scope bodies it opens hit the same clear error at
-- a C boundary, and keep working afterwards.
local task = std.task
local function in_sort(fn)
  local ok, err = pcall(table.sort, { 2, 1 }, function(a, b) fn(); return a < b end)
  assert(not ok, "suspending inside the comparator must fail")
  return tostring(err)
end
local msg = in_sort(function() task.sleep(1) end)
assert(msg:find("std.task.sleep: cannot suspend here", 1, true), msg)
msg = in_sort(function() task.yield() end)
assert(msg:find("std.task.yield: cannot suspend here", 1, true), msg)
task.scope(function()
  local m = in_sort(function() task.checkpoint() end)
  assert(m:find("std.task.checkpoint: cannot suspend here", 1, true), m)
  local inner = in_sort(function() task.scope(function() end) end)
  assert(inner:find("std.task.scope: cannot suspend here", 1, true), inner)
end)
task.sleep(1)
assert(task.spawn(function() return "still fine" end):join() == "still fine")
print("ok")
