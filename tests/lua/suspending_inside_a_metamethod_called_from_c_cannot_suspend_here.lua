-- Metamethods called from C functions (__lt from table.sort, __tostring
-- from tostring, __index from table.concat) cannot suspend: a clear error.
local task = std.task
local h = task.spawn(function()
  local got = {}
  -- __lt through table.sort
  local mt = { __lt = function(a, b) task.sleep(1); return a.v < b.v end }
  local items = { setmetatable({ v = 2 }, mt), setmetatable({ v = 1 }, mt) }
  local ok, err = pcall(table.sort, items)
  got.lt = (not ok) and tostring(err) or "no error"
  -- __tostring through tostring()
  local shown = setmetatable({}, { __tostring = function() task.yield(); return "shown" end })
  ok, err = pcall(tostring, shown)
  got.tostring = (not ok) and tostring(err) or "no error"
  -- __index through table.concat
  local lazy = setmetatable({}, { __len = function() return 2 end,
                                  __index = function(_, i) task.checkpoint(); return "x" .. i end })
  ok, err = pcall(table.concat, lazy, ",")
  got.index = (not ok) and tostring(err) or "no error"
  task.sleep(1)
  return got
end)
local got = h:join()
assert(got.lt:find("std.task.sleep: cannot suspend here", 1, true), got.lt)
assert(got.tostring:find("std.task.yield: cannot suspend here", 1, true), got.tostring)
assert(got.index:find("std.task.checkpoint: cannot suspend here", 1, true), got.index)
print("ok")
