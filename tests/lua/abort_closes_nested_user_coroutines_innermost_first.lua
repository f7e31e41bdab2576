-- args: --virtual-time
-- Aborting a task suspended three user coroutines deep (wrap, create,
-- wrap) closes each coroutine's pending __close handlers once, innermost
-- first, in both drivers.
local task = std.task
for _, driver in ipairs({ "async_fn", "coroutine" }) do
  local order, after = {}, 0
  local function guard(name)
    return setmetatable({}, { __close = function() order[#order + 1] = name end })
  end
  local h = task.spawn(function()
    local t <close> = guard("task")
    local outer = coroutine.wrap(function()
      local w <close> = guard("wrap")
      local middle = coroutine.create(function()
        local c <close> = guard("create")
        local inner = coroutine.wrap(function()
          local w2 <close> = guard("wrap2")
          task.sleep(100000)
          after = after + 1
        end)
        inner()
        after = after + 1
      end)
      coroutine.resume(middle)
      after = after + 1
    end)
    outer()
    after = after + 1
  end, { driver = driver })
  task.sleep(10)
  h:abort()
  local ok, err = pcall(function() return h:join() end)
  assert(not ok and tostring(err) == "task aborted", driver .. ": " .. tostring(err))
  assert(table.concat(order, ",") == "wrap2,create,wrap,task", driver .. ": " .. table.concat(order, ","))
  assert(after == 0, driver .. ": code ran after the abort")
  task.sleep(2)
  assert(#order == 4, driver .. ": a handler ran twice")
end
print("ok")
