-- args: --virtual-time
-- A cancelled task unwinds through its scope body; every pending __close
-- handler runs exactly once, innermost first, before the scope returns.
local task = std.task
local log = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/close_log.lua")()
local count, order, guard = log.count, log.order, log.guard
local h
task.scope(function(s)
  h = s:spawn(function()
    local a <close> = guard("a")
    task.scope(function()
      local body <close> = guard("body")
      local b <close> = guard("b")
      task.sleep(100000)
    end)
  end)
  task.sleep(10)
  s:cancel()
end)
assert(table.concat(order, ",") == "b,body,a", "closed by scope end: " .. table.concat(order, ","))
local ok, err = pcall(function() return h:join() end)
assert(not ok and task.is_cancelled(err), tostring(err))
task.sleep(5)
for _, n in ipairs({ "a", "b", "body" }) do
  assert(count[n] == 1, n .. " closed " .. tostring(count[n]) .. " times")
end
print("ok")
