-- A hard-aborted task runs each pending __close handler exactly once,
-- innermost first, in its scope bodies and children too, before its
-- joiner sees "task aborted".
local task = std.task
local log = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/close_log.lua")()
local count, order, guard = log.count, log.order, log.guard
local child
local sleeping = 0
local h = task.spawn(function()
  local a <close> = guard("a")
  task.scope(function(s)
    child = s:spawn(function()
      local c <close> = guard("child")
      sleeping = sleeping + 1
      task.sleep(100000)
    end)
    local body <close> = guard("body")
    do
      local b <close> = guard("b")
      sleeping = sleeping + 1
      task.sleep(100000)
    end
  end)
end)
-- Each yield lets every runnable task take one step (first in, first out).
while sleeping < 2 do task.yield() end
h:abort()
local ok, err = pcall(function() return h:join() end)
assert(not ok and tostring(err) == "task aborted", tostring(err))
local seen = {}
for _, n in ipairs(order) do seen[#seen + 1] = n end
assert(#seen == 4, "closed before join: " .. table.concat(seen, ","))
-- within the task, innermost first; the child's handler may run at any point before
local task_order = {}
for _, n in ipairs(order) do if n ~= "child" then task_order[#task_order + 1] = n end end
assert(table.concat(task_order, ",") == "b,body,a", table.concat(task_order, ","))
assert(child:is_finished())
h:abort() -- idempotent
task.sleep(5)
for _, n in ipairs({ "a", "b", "body", "child" }) do
  assert(count[n] == 1, n .. " closed " .. tostring(count[n]) .. " times")
end
print("ok")
