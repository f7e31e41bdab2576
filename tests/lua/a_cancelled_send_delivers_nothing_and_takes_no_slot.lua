-- args: --virtual-time
-- A send that raised `task cancelled` delivered nothing and took no slot.
-- When a receiver takes the value and the cancel comes in the same turn,
-- the send returns (it happened); cancel first and it raises, and the
-- value is nowhere in the channel.
local task = std.task

-- run(ch, after) : a task sends "mine" on ch inside a scope; once it waits,
-- after(scope) runs in the main chunk's turn. Returns how the send ended.
local function run(ch, after)
  local result
  task.scope(function(s)
    local ss
    s:spawn(function()
      task.scope(function(sc)
        ss = sc
        local ok, err = pcall(ch.send, ch, "mine")
        result = ok and "sent" or (task.is_cancelled(err) and "cancelled" or tostring(err))
      end)
    end)
    task.sleep(1)  -- the sender is waiting now (virtual clock)
    after(ss)
  end)
  return result
end

for _, capacity in ipairs({ 0, 1 }) do
  local ch = task.channel(capacity)
  if capacity == 1 then ch:send("old") end
  -- cancelled while waiting
  assert(run(ch, function(ss) ss:cancel() end) == "cancelled")
  assert(ch:len() == capacity, "no slot taken")
  if capacity == 1 then assert(ch:recv() == "old") end
  assert(ch:try_recv() == nil, "nothing delivered")

  -- recv then cancel in the same turn: the send happened
  if capacity == 1 then ch:send("old") end
  local got
  assert(run(ch, function(ss) got = ch:recv(); ss:cancel() end) == "sent")
  if capacity == 1 then
    assert(got == "old" and ch:len() == 1 and ch:recv() == "mine")
  else
    assert(got == "mine")
  end
  assert(ch:try_recv() == nil)

  -- cancel then recv in the same turn: the send raised, nothing of it arrives
  if capacity == 1 then ch:send("old") end
  assert(run(ch, function(ss)
    ss:cancel()
    got = ch:try_recv()
  end) == "cancelled")
  assert(got == (capacity == 1 and "old" or nil), tostring(got))
  assert(ch:try_recv() == nil and ch:len() == 0, "the cancelled value is nowhere")
end
print("ok")
