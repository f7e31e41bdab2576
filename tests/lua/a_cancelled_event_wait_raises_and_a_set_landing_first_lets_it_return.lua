-- args: --virtual-time
-- Event:wait is a suspension point: it raises `task cancelled` when its
-- task is cancelled while waiting, in the turn of the cancel. If the event
-- is set and the waiter cancelled in the same turn, set first, the wait
-- returns and the cancel is seen at the next suspension point.
local task = std.task

local function run(ev, after)
  local result
  task.scope(function(s)
    local ws
    s:spawn(function()
      task.scope(function(sc)
        ws = sc
        local ok, err = pcall(ev.wait, ev)
        result = ok and "returned" or (task.is_cancelled(err) and "cancelled" or tostring(err))
        if ok then result = result .. (pcall(task.checkpoint) and "" or ", then cancelled") end
      end)
    end)
    task.sleep(1)
    after(ws)
  end)
  return result
end

local ev = task.event()
assert(run(ev, function(ws) ws:cancel() end) == "cancelled")
assert(not ev:is_set())
assert(run(ev, function(ws) ev:set(); ws:cancel() end) == "returned, then cancelled")
assert(ev:is_set())
ev = task.event()
assert(run(ev, function(ws) ws:cancel(); ev:set() end) == "cancelled")
-- a set event returns at once, without giving up the loop
local order = {}
task.scope(function(s)
  s:spawn(function() order[#order + 1] = "other" end)
  ev:wait()
  order[#order + 1] = "waiter"
end)
assert(table.concat(order, ",") == "waiter,other", table.concat(order, ","))
print("ok")
