-- Tasks start in spawn order and, when they yield, resume in the order
-- they yielded.
local task = std.task
local log = {}
task.scope(function(s)
  for i = 1, 20 do
    s:spawn(function()
      log[#log + 1] = "s" .. i
      task.yield()
      log[#log + 1] = "r" .. i
    end)
  end
end)
local want = {}
for i = 1, 20 do want[#want + 1] = "s" .. i end
for i = 1, 20 do want[#want + 1] = "r" .. i end
assert(table.concat(log, ",") == table.concat(want, ","), table.concat(log, ","))
-- tasks spawned by a task in a burst also start in spawn order
local order = {}
task.spawn(function()
  for i = 1, 10 do task.spawn(function() order[#order + 1] = i end) end
end):join()
task.sleep(1)
assert(table.concat(order, ",") == "1,2,3,4,5,6,7,8,9,10", table.concat(order, ","))
print("ok")
