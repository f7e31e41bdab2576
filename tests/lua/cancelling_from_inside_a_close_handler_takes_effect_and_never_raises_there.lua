-- A __close handler may cancel scopes and tokens, and abort handles, while
-- a block exits normally, while an error unwinds, and while its own task
-- is hard-aborted: the calls do not raise in the handler, and their
-- effects land as usual (here: the sibling is cancelled, so each scope can
-- end; a lost cancel would hang the test).
local task = std.task
local function closer(fn) return setmetatable({}, { __close = fn }) end
local function sibling_cancelled(s, log)
  return s:spawn(function()
    local ok, err = pcall(task.sleep, 100000)
    log[#log + 1] = not ok and task.is_cancelled(err)
  end)
end

-- normal block exit in the body
local log = {}
local r = task.scope(function(s)
  sibling_cancelled(s, log)
  do local c <close> = closer(function() s:cancel() end) end
  return "body returned"
end)
assert(r == "body returned" and log[1] == true)

-- error unwinding in a task, cancelling a standalone token too
local token = task.cancel_token()
log = {}
task.scope(function(s)
  sibling_cancelled(s, log)
  s:spawn(function()
    local ok, err = pcall(function()
      local c <close> = closer(function() token:cancel(); s:cancel() end)
      error("unwinding")
    end)
    assert(not ok and err:find("unwinding", 1, true), tostring(err))
  end)
end)
assert(log[1] == true and token:is_cancelled())

-- a hard abort of the task whose handler cancels, and aborts itself again
log = {}
local handler_ran = false
local victim
task.scope(function(s)
  sibling_cancelled(s, log)
  victim = s:spawn(function()
    local c <close> = closer(function()
      s:cancel()
      victim:abort()  -- already being aborted: nothing more happens
      handler_ran = true
    end)
    task.sleep(100000)
  end)
  task.yield()
  victim:abort()
end)
assert(handler_ran and log[1] == true)
local ok, err = pcall(victim.join, victim)
assert(not ok and err.kind == "aborted", tostring(err))
assert(task.spawn(function() return "still works" end):join() == "still works")
print("ok")
