-- args: --virtual-time
-- Inside task.shield(fn, ...) suspension points do not raise for a cancel
-- from outside and a sleep is not cut short; fn gets exactly its
-- arguments and shield returns its values; once it returns, the cancel is
-- seen at the next suspension point outside. Scopes opened inside are
-- rooted at the shield, so a cancel or a timeout inside still works.
local task = std.task
local t0 = std.time.monotonic()
local function now() return math.floor((std.time.monotonic() - t0) * 1000 + 0.5) end
local log = {}
task.scope(function(s)
  s:spawn(function()
    local ok, err = pcall(task.sleep, 1000)
    assert(not ok and task.is_cancelled(err) and now() == 1)
    local a, b, n = task.shield(function(...)
      log[#log + 1] = "args " .. select("#", ...) .. " " .. table.concat({ ... }, ",")
      assert(task.current().cancelled == false)
      task.sleep(10)
      log[#log + 1] = "slept until " .. now()
      task.checkpoint()
      local inner = pcall(task.with_timeout, 5, function() task.sleep(100) end)
      log[#log + 1] = "inner timeout " .. tostring(inner)
      task.scope(function(sc) sc:spawn(function() pcall(task.sleep, 100) end); sc:cancel() end)
      return "a", nil, 3
    end, 1, 2)
    log[#log + 1] = ("returned %s %s %s"):format(a, b, n)
    ok, err = pcall(task.checkpoint)
    log[#log + 1] = "then " .. (task.is_cancelled(err) and "cancelled" or "not cancelled")
  end)
  task.sleep(1)
  s:cancel()
end)
assert(table.concat(log, "; ") ==
  "args 2 1,2; slept until 11; inner timeout false; returned a nil 3; then cancelled", table.concat(log, "; "))
-- errors pass through unchanged
local e = {}
local ok, err = pcall(task.shield, function() error(e) end)
assert(not ok and rawequal(err, e))
print("ok")
