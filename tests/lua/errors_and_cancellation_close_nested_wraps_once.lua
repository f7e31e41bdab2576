-- An error or a cancellation raised inside nested coroutine.wrap
-- generators unwinds them like plain Lua: each generator's __close runs
-- once, innermost first, and the error value arrives unchanged.
local task = std.task
local function run(trigger)
  local order = {}
  local function guard(name)
    return setmetatable({}, { __close = function() order[#order + 1] = name end })
  end
  local e = { "inner failure" }
  local h
  task.scope(function(s)
    h = s:spawn(function()
      local t <close> = guard("task")
      local outer = coroutine.wrap(function()
        local o <close> = guard("outer")
        local inner = coroutine.wrap(function()
          local i <close> = guard("inner")
          task.sleep(trigger == "error" and 1 or 100000)
          error(e)
        end)
        inner()
      end)
      outer()
    end)
    if trigger == "cancel" then task.sleep(10); s:cancel() end
  end)
  local ok, err = pcall(function() return h:join() end)
  assert(not ok, trigger .. ": the task must fail")
  return order, err, e
end
local order, err, e = run("error")
assert(rawequal(err, e), "error: " .. tostring(err))
assert(table.concat(order, ",") == "inner,outer,task", "error: " .. table.concat(order, ","))
order, err = run("cancel")
assert(task.is_cancelled(err), "cancel: " .. tostring(err))
assert(table.concat(order, ",") == "inner,outer,task", "cancel: " .. table.concat(order, ","))
print("ok")
