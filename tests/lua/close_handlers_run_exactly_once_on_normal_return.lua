-- A task that returns normally runs each pending __close handler exactly
-- once, innermost first, before its joiner sees the values.
local task = std.task
local log = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/close_log.lua")()
local count, order, guard = log.count, log.order, log.guard
local function inner()
  local c <close> = guard("c")
  task.sleep(1)
  return "value"
end
local h = task.spawn(function()
  local a <close> = guard("a")
  do
    local b <close> = guard("b")
    task.yield()
    return inner(), "second"
  end
end)
local v, w = h:join()
assert(v == "value" and w == "second")
assert(table.concat(order, ",") == "c,b,a", table.concat(order, ","))
task.sleep(5)
for _, n in ipairs({ "a", "b", "c" }) do
  assert(count[n] == 1, n .. " closed " .. tostring(count[n]) .. " times")
end
print("ok")
