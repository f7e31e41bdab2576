-- args: --virtual-time
-- A recv that raised `task cancelled` took nothing: it is woken in the
-- turn of the cancel, leaves the channel's queue, and a value sent later
-- goes to the next receiver. When the value reaches the receiver and the
-- cancel comes in the same turn, the recv returns it (the cancel is seen
-- at the next suspension point); cancel first and the recv raises and the
-- value stays in the channel.
local task = std.task
local t0 = std.time.monotonic()
local function now() return math.floor((std.time.monotonic() - t0) * 1000 + 0.5) end

for _, capacity in ipairs({ 0, 4 }) do
  local ch = task.channel(capacity)
  -- cancelled while waiting
  local outcome
  task.scope(function(s)
    local inner
    s:spawn(function()
      task.scope(function(sc)
        inner = sc
        local ok, err = pcall(ch.recv, ch)
        outcome = { ok = ok, cancelled = task.is_cancelled(err), at = now() }
      end)
    end)
    task.sleep(10)
    inner:cancel()
  end)
  local started = now() - 10
  assert(outcome.ok == false and outcome.cancelled and outcome.at == started + 10, "woken in the turn of the cancel")
  assert(ch:try_send("later") == (capacity > 0), "the cancelled receiver left the queue")
  if capacity > 0 then assert(ch:recv() == "later") end

  -- value and cancel in the same turn, value first: the recv returns it
  local got, next_check
  task.scope(function(s)
    local rs
    s:spawn(function()
      task.scope(function(sc)
        rs = sc
        got = ch:recv()
        next_check = select(2, pcall(task.checkpoint))
      end)
    end)
    task.sleep(1)  -- every task runnable now runs first (virtual clock)
    ch:send("v1")
    rs:cancel()
  end)
  assert(got == "v1" and task.is_cancelled(next_check), tostring(got))
  assert(ch:len() == 0 and ch:try_recv() == nil, "the value was taken once")

  -- cancel first, then the value, in the same turn: the recv raises and
  -- the value stays for the next receiver
  local raised
  task.scope(function(s)
    local rs
    s:spawn(function()
      task.scope(function(sc)
        rs = sc
        local ok, err = pcall(ch.recv, ch)
        raised = not ok and task.is_cancelled(err)
      end)
    end)
    task.sleep(1)  -- every task runnable now runs first (virtual clock)
    rs:cancel()
    if capacity > 0 then
      ch:send("v2")
    else
      assert(ch:try_send("v2") == false, "the cancelled receiver is no longer waiting")
    end
  end)
  assert(raised)
  if capacity > 0 then assert(ch:len() == 1 and ch:recv() == "v2") end
end
print("ok")
