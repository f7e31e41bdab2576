-- A cancelled task unwinds through its scope body; every pending __close
-- handler runs exactly once, innermost first, before the scope returns.
local task = std.task
local count, order = {}, {}
local function guard(name)
  return setmetatable({}, { __close = function()
    count[name] = (count[name] or 0) + 1
    order[#order + 1] = name
  end })
end
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
