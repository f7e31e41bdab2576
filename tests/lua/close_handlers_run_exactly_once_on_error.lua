-- A task that fails runs each pending __close handler exactly once,
-- innermost first, also in the scope body it failed in, before its joiner
-- sees the error.
local task = std.task
local log = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/close_log.lua")()
local count, order, guard = log.count, log.order, log.guard
local e = { "task failure" }
local h = task.spawn(function()
  local a <close> = guard("a")
  task.scope(function()
    local body <close> = guard("body")
    do
      local b <close> = guard("b")
      task.sleep(1)
      error(e)
    end
  end)
end)
local ok, err = pcall(function() return h:join() end)
assert(not ok and rawequal(err, e), tostring(err))
assert(table.concat(order, ",") == "b,body,a", "closed before join: " .. table.concat(order, ","))
task.sleep(5)
for _, n in ipairs({ "a", "b", "body" }) do
  assert(count[n] == 1, n .. " closed " .. tostring(count[n]) .. " times")
end
-- the coroutine driver as well
for i = #order, 1, -1 do order[i] = nil end
local c = task.spawn(function()
  local x <close> = guard("x")
  coroutine.yield()
  local y <close> = guard("y")
  error("co failure")
end, { driver = "coroutine" })
ok, err = pcall(function() return c:join() end)
assert(not ok and tostring(err):find("co failure", 1, true), tostring(err))
assert(table.concat(order, ",") == "y,x", table.concat(order, ","))
print("ok")
