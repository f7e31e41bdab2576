-- A body error cancels the scope and then waits, without a time bound, for
-- every child to unwind, including grandchildren spawned into the scope.
local task = std.task
local finished = {}
local e = { "body error" }
local ok, err = pcall(task.scope, function(s)
  s:spawn(function()
    pcall(task.sleep, 100000)
    local t0 = os.clock()
    while os.clock() - t0 < 0.05 do end -- 50 ms of cleanup with no suspension point
    finished[#finished + 1] = "slow cleanup"
  end)
  s:spawn(function()
    task.spawn(function() -- spawned from a child: goes into the same scope
      pcall(task.sleep, 100000)
      finished[#finished + 1] = "grandchild"
    end)
    finished[#finished + 1] = "child"
  end)
  task.sleep(5)
  error(e)
end)
assert(not ok and rawequal(err, e), tostring(err))
table.sort(finished)
assert(table.concat(finished, ",") == "child,grandchild,slow cleanup", table.concat(finished, ","))
print("ok")
