-- args: --virtual-time
-- A pcall that swallows "task cancelled" clears nothing: each following
-- suspension point raises again, whatever its kind.
local task = std.task
local raised = {}
local other = task.spawn(function() task.sleep(300) end) -- root scope: never cancelled
task.scope(function(s)
  s:spawn(function()
    local kinds = {
      { "sleep", function() task.sleep(100000) end },
      { "sleep(0)", function() task.sleep(0) end },
      { "yield", function() task.yield() end },
      { "checkpoint", function() task.checkpoint() end },
      { "join", function() return other:join() end },
      { "scope", function() task.scope(function() task.sleep(100000) end) end },
      { "with_timeout", function() task.with_timeout(100000, function() task.sleep(100000) end) end },
      { "sleep again", function() task.sleep(5) end },
    }
    for _, k in ipairs(kinds) do
      local ok, err = pcall(k[2])
      raised[#raised + 1] = k[1] .. "=" .. ((not ok and task.is_cancelled(err)) and "cancelled" or tostring(err))
    end
    -- the current() view agrees
    raised[#raised + 1] = "current=" .. tostring(task.current().cancelled)
  end)
  task.sleep(10)
  s:cancel()
end)
local want = "sleep=cancelled,sleep(0)=cancelled,yield=cancelled,checkpoint=cancelled,join=cancelled,"
  .. "scope=cancelled,with_timeout=cancelled,sleep again=cancelled,current=true"
assert(table.concat(raised, ",") == want, table.concat(raised, ","))
print("ok")
