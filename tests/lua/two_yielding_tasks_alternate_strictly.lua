-- Two (and three) tasks that yield in a loop alternate strictly.
local task = std.task
local function round_robin(names, rounds)
  local log = {}
  task.scope(function(s)
    for _, name in ipairs(names) do
      s:spawn(function()
        for _ = 1, rounds do
          log[#log + 1] = name
          task.yield()
        end
      end)
    end
  end)
  return table.concat(log)
end
assert(round_robin({ "A", "B" }, 10) == ("AB"):rep(10), round_robin({ "A", "B" }, 10))
assert(round_robin({ "A", "B", "C" }, 10) == ("ABC"):rep(10))
-- the coroutine driver's bare yield takes its turn in the same queue
local log = {}
task.scope(function(s)
  s:spawn(function() for _ = 1, 8 do log[#log + 1] = "a"; task.yield() end end)
  s:spawn(function() for _ = 1, 8 do log[#log + 1] = "c"; coroutine.yield() end end, { driver = "coroutine" })
end)
assert(table.concat(log) == ("ac"):rep(8), table.concat(log))
print("ok")
