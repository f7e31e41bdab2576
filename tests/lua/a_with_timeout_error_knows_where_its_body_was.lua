-- A with_timeout error carries `where`: the traceback of its body (the
-- innermost nested scope body) at the moment the deadline passed; other
-- errors have none.
-- args: --virtual-time
local task = std.task

local function fetch_page() task.sleep(1e6) end
local ok, err = pcall(task.with_timeout, 50, function()
  task.scope(function() fetch_page() end)
end)
assert(not ok and err.kind == "timeout", tostring(err))
assert(tostring(err) == "task.with_timeout: exceeded 50 ms", tostring(err))
assert(type(err.where) == "string", type(err.where))
assert(err.where:find("^stack traceback:\n\t%[C%]: in function 'std.task.sleep'\n"), err.where)
assert(err.where:find("in upvalue 'fetch_page'", 1, true), err.where)

-- a body that had finished its own code (waiting for a child) is where it waits
ok, err = pcall(task.with_timeout, 10, function()
  local h = task.spawn(function() task.sleep(1e6) end)
  h:join()
end)
assert(err.where:find("in method 'join'", 1, true), err.where)

-- a body that never ran before its deadline has no place to name
ok, err = pcall(task.with_timeout, 0, function() end)
assert(not ok and err.kind == "timeout" and err.where == nil, tostring(err))
local cancelled = select(2, pcall(task.scope, function(s) s:cancel(); task.checkpoint() end))
assert(task.is_cancelled(cancelled) and cancelled.where == nil)
print("ok")
