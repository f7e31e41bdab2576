-- args: --virtual-time
-- Sleepers wake in the order of their deadlines, and sleepers with the
-- same duration wake in the order they went to sleep.
local task = std.task
local order = {}
task.scope(function(s)
  for _, ms in ipairs({ 60, 20, 40, 1, 30 }) do
    s:spawn(function() task.sleep(ms); order[#order + 1] = ms end)
  end
end)
assert(table.concat(order, ",") == "1,20,30,40,60", table.concat(order, ","))
local same = {}
task.scope(function(s)
  for i = 1, 10 do
    s:spawn(function() task.sleep(15); same[#same + 1] = i end)
  end
end)
assert(table.concat(same, ",") == "1,2,3,4,5,6,7,8,9,10", table.concat(same, ","))
print("ok")
