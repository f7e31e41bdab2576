-- args: --virtual-time
-- A move_on never swallows a cancel that is not its own (kotlinx.coroutines
-- #67, withTimeoutOrNull): a loop of move_on calls inside an outer
-- with_timeout ends with the outer timeout, also when an inner deadline
-- falls in the same instant as the outer one, and a move_on inside a
-- cancelled scope raises task cancelled.
local task = std.task
for _, inner_ms in ipairs({ 10, 7 }) do  -- 10 divides 50: the deadlines coincide
  local rounds = 0
  local ok, err = pcall(task.with_timeout, 50, function()
    while true do
      rounds = rounds + 1
      assert(rounds < 1000, "the outer cancel was swallowed")
      task.move_on(inner_ms, function() task.sleep(1000) end)
    end
  end, { grace_ms = 0 })
  assert(not ok and err.kind == "timeout", tostring(err))
end
local ok, err
task.scope(function(s)
  s:spawn(function() ok, err = pcall(task.move_on, 100, function() task.sleep(1000) end) end)
  task.sleep(10)
  s:cancel()
end)
assert(not ok and task.is_cancelled(err), tostring(err))
print("ok")
