-- The first of N answers, within a time limit.
--
--   build/lua-batteries examples/first_of_n.lua
--
-- task.race returns the first function to return (the others are
-- cancelled and awaited); task.move_on gives up at the deadline without
-- raising, so "no answer in time" is a value, not an error.
local task = std.task

local function mirror(name, delay_ms)
  return function()
    task.sleep(delay_ms)  -- stands for a request to a mirror
    return name
  end
end

local function fastest(mirrors, limit_ms)
  local in_time, _, name = task.move_on(limit_ms, function()
    return task.race(mirrors)
  end)
  return in_time and name or nil
end

local winner = fastest({ mirror("eu", 80), mirror("us", 30), mirror("asia", 50) }, 100)
print("first of n: " .. tostring(winner))
assert(winner == "us")

local none = fastest({ mirror("slow", 500), mirror("slower", 900) }, 100)
print("first of n with nothing in time: " .. tostring(none))
assert(none == nil)
