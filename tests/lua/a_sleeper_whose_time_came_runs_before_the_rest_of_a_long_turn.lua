-- A sleeper whose deadline passes while a turn is running goes ahead of
-- the tasks still waiting in that turn: a long turn does not make it late.
-- Each busy task holds the loop until the sleeper is due for sure, so the
-- sleeper must run right after the first of them, before all the others.
local task = std.task
local clock = std.time.monotonic
local order = {}
task.scope(function(s)
  local due
  s:spawn(function()
    due = clock() + 0.005
    task.sleep(5)
    order[#order + 1] = "sleeper"
  end)
  task.yield()  -- the sleeper is asleep now
  for i = 1, 5 do
    s:spawn(function()
      order[#order + 1] = "busy" .. i
      while clock() < due + 0.002 do end
    end)
  end
end)
local seen = table.concat(order, " ")
assert(seen == "busy1 sleeper busy2 busy3 busy4 busy5", seen)
print("ok")
