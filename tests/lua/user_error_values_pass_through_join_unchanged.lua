-- Whatever a task raises reaches its joiner as the same value of the same
-- type: tables, integers, floats, strings (no text added), booleans,
-- userdata, functions.
local task = std.task
local function joined_error(value)
  local h = task.spawn(function() task.yield(); error(value, 0) end)
  local ok, err = pcall(function() return h:join() end)
  assert(not ok, "join must raise")
  return err
end
local t = { code = 7 }
assert(rawequal(joined_error(t), t), "table")
local i = joined_error(42)
assert(i == 42 and math.type(i) == "integer", "integer became " .. tostring(i) .. " " .. tostring(math.type(i)))
local f = joined_error(2.5)
assert(f == 2.5 and math.type(f) == "float", "float")
local whole = joined_error(3.0)
assert(math.type(whole) == "float", "3.0 must stay a float")
assert(joined_error("plain text") == "plain text", "string")
assert(joined_error(false) == false, "false")
assert(joined_error(true) == true, "true")
assert(rawequal(joined_error(io.stdout), io.stdout), "userdata")
assert(rawequal(joined_error(print), print), "function")
-- a string raised with position information keeps exactly that text
local h = task.spawn(function() error("with position") end)
local ok, err = pcall(function() return h:join() end)
assert(not ok and type(err) == "string")
assert(err:match("^[^\n]*user_error_values_pass_through_join_unchanged%.lua:%d+: with position$"), err)
-- the coroutine driver delivers the same values
local c = task.spawn(function() coroutine.yield(); error(t) end, { driver = "coroutine" })
ok, err = pcall(function() return c:join() end)
assert(not ok and rawequal(err, t), "coroutine driver")
print("ok")
