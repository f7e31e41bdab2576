-- An error value travels unchanged through join, a scope body and a
-- with_timeout body, nested in each other.
local task = std.task
local e = setmetatable({ code = 9 }, { __tostring = function() return "custom error" end })
local ok, err = pcall(task.with_timeout, 1000, function()
  return task.scope("outer", function()
    return task.scope(function(s)
      local h = s:spawn(function() task.sleep(1); error(e) end)
      return h:join()
    end)
  end)
end)
assert(not ok and rawequal(err, e), "the error object changed on its way: " .. tostring(err))
-- numbers and strings too
for _, v in ipairs({ 17, 0.25, "just text" }) do
  ok, err = pcall(task.scope, function() task.yield(); error(v, 0) end)
  assert(not ok and err == v and math.type(err) == math.type(v), "scope: " .. tostring(err))
  ok, err = pcall(task.with_timeout, 1000, function() task.yield(); error(v, 0) end)
  assert(not ok and err == v and math.type(err) == math.type(v), "with_timeout: " .. tostring(err))
end
-- from inside a task as well
local h = task.spawn(function()
  local ok2, err2 = pcall(task.with_timeout, 500, function() error(e) end)
  return ok2, err2
end)
local ok3, err3 = h:join()
assert(ok3 == false and rawequal(err3, e))
print("ok")
