-- During a hard abort, a __close handler that raises does not stop the
-- remaining handlers, in the task or in its nested coroutine; the joiner
-- still gets "task aborted".
local task = std.task
local order = {}
local function guard(name, raises)
  return setmetatable({}, { __close = function()
    order[#order + 1] = name
    if raises then error("close handler " .. name .. " failed") end
  end })
end
local h = task.spawn(function()
  local a <close> = guard("a")
  local b <close> = guard("b", true)
  local gen = coroutine.wrap(function()
    local c <close> = guard("c", true)
    local d <close> = guard("d")
    task.sleep(100000)
  end)
  gen()
end)
task.sleep(10)
h:abort()
local ok, err = pcall(function() return h:join() end)
assert(not ok and type(err) == "userdata" and err.kind == "aborted", tostring(err))
assert(table.concat(order, ",") == "d,c,b,a", table.concat(order, ","))
task.sleep(2)
assert(#order == 4, "a handler ran twice")
-- the runtime keeps working
assert(task.spawn(function() task.sleep(1); return "fine" end):join() == "fine")
print("ok")
