-- Graceful cleanup after a cancel, with task.shield.
--
--   build/lua-batteries examples/graceful_cleanup.lua
--
-- A cancelled task cannot suspend: its next sleep or recv raises `task
-- cancelled`. Cleanup that must wait (saying goodbye to a peer, flushing a
-- queue) runs in task.shield, bounded by its own with_timeout so that it
-- cannot hang. A hard abort (a with_timeout's grace expiry, Ctrl-C twice)
-- still reaches into the shield.
local task = std.task

local outbox = task.channel(1)  -- a peer that reads slowly
local peer = task.spawn(function()
  local got = {}
  for msg in outbox:iter() do
    task.sleep(20)
    got[#got + 1] = msg
  end
  return got
end)

local function session()
  local ok, err = pcall(function()
    while true do
      outbox:send("work")
      task.sleep(5)
    end
  end)
  -- Cancelled: tell the peer, even though that takes time.
  task.shield(function()
    task.with_timeout(500, function() outbox:send("goodbye") end)
  end)
  outbox:close()
  error(err, 0)  -- the cancellation goes on
end

task.scope(function(s)
  s:spawn(session)
  task.sleep(50)
  s:cancel()
end)
local got = peer:join()
print(("graceful cleanup: %d messages, then %q"):format(#got - 1, got[#got]))
assert(got[#got] == "goodbye")
