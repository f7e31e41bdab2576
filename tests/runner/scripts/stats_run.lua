-- A run of known shape for --stats (on the virtual clock): 7 tasks, of
-- which one returns after a busy stretch (the longest resume), one
-- sleeps, one fails, one is cancelled at a with_timeout's deadline and one
-- is hard-aborted when its grace window runs out; scopes nest three deep.
local task = std.task

local function busy(ms)  -- CPU time, which a loaded machine cannot shorten
  local done = os.clock() + ms / 1000
  while os.clock() < done do end
end

task.scope(function(outer)                                    -- depth 1
  outer:spawn(function() busy(80) end, { name = "busy" })     -- t1
  outer:spawn(function()                                      -- t2
    task.scope(function(inner)                                -- depth 2
      task.scope(function(innermost)                          -- depth 3
        innermost:spawn(function() task.sleep(10) end)        -- t3
      end)
      local h = inner:spawn(function() error("boom") end)     -- t4: failed
      pcall(h.join, h)
    end)
  end)
  pcall(task.with_timeout, 50, function(s)                    -- depth 2
    s:spawn(function() task.sleep(1000) end, { name = "slow" })   -- t5: cancelled
    s:spawn(function() task.shield(task.sleep, 1000) end,         -- t6: aborted
            { name = "stubborn" })
    task.sleep(1000)
  end, { grace_ms = 20 })
  outer:spawn(function() end)                                 -- t7
end)
print("done")
