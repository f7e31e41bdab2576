-- Thousands of tasks alive at once (more than the thread pool first holds,
-- so it grows) finish and hand their threads to the next wave: every task
-- of every wave starts on an empty stack, with no arguments, and does its
-- own work.
local task = std.task
local n = 5000

for wave = 1, 3 do
  local done = {}
  local threads = {}
  task.scope(function(s)
    for i = 1, n do
      s:spawn(function(...)
        assert(select("#", ...) == 0, "a task started with leftover values")
        task.yield()
        done[i] = wave * n + i
      end)
    end
  end)
  for i = 1, n do
    assert(done[i] == wave * n + i, string.format("wave %d task %d recorded %s", wave, i, tostring(done[i])))
  end
end
-- The same with scope bodies in between, which take threads from the pool too.
for round = 1, 3 do
  local count = 0
  task.scope(function(s)
    for _ = 1, 2000 do
      s:spawn(function() task.yield(); count = count + 1 end)
    end
  end)
  for _ = 1, 2000 do task.scope(function() count = count + 1 end) end
  assert(count == 4000, "round " .. round .. " counted " .. count)
end
print("ok")
