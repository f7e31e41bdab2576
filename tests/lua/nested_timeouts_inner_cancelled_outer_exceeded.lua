-- args: --virtual-time
-- Nested with_timeout: an outer deadline cancels the inner scope through the
-- token tree; the inner call raises "task cancelled", the outer "exceeded".
-- An inner deadline that passes first only fails the inner call.
local task = std.task
local inner_err
local ok, err = pcall(task.with_timeout, 30, function()
  local iok, ierr = pcall(task.with_timeout, 100000, function()
    task.sleep(100000)
  end)
  inner_err = (not iok) and ierr or "inner returned"
  return "outer body done"
end)
assert(task.is_cancelled(inner_err), "inner got " .. tostring(inner_err))
assert(inner_err.kind == "cancelled" and tostring(inner_err) == "task cancelled")
assert(not ok and err.kind == "timeout" and err.message == "task.with_timeout: exceeded 30 ms", tostring(err))
assert(task.is_cancelled(err) == false)
-- three levels, from inside a task
local h = task.spawn(function()
  local saw = {}
  local ok1, e1 = pcall(task.with_timeout, 25, function()
    local ok2, e2 = pcall(task.with_timeout, 50000, function()
      local ok3, e3 = pcall(task.with_timeout, 60000, function() task.sleep(100000) end)
      saw[#saw + 1] = (not ok3) and e3.kind or "returned"
      task.checkpoint()
    end)
    saw[#saw + 1] = (not ok2) and e2.kind or "returned"
  end)
  saw[#saw + 1] = (not ok1) and e1.kind or "returned"
  return table.concat(saw, ",")
end)
local saw = h:join()
assert(saw == "cancelled,cancelled,timeout", saw)
-- the inner deadline first: only the inner call fails
local v = task.with_timeout(100000, function()
  local iok, ierr = pcall(task.with_timeout, 10, function() task.sleep(100000) end)
  assert(not iok and tostring(ierr) == "task.with_timeout: exceeded 10 ms", tostring(ierr))
  task.sleep(1) -- the outer scope is not cancelled
  return "outer fine"
end)
assert(v == "outer fine")
print("ok")
