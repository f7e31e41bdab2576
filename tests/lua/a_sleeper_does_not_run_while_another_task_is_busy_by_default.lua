-- By default a sleeper whose time came while another task is busy waits
-- until that task suspends: it never runs in the middle of the busy code.
local task = std.task
local woke_at, busy_done_at
local seq = 0
task.spawn(function() task.sleep(1); seq = seq + 1; woke_at = seq end)
local busy = task.spawn(function()
  local give_up = os.clock() + 0.1
  while os.clock() < give_up do end
  seq = seq + 1
  busy_done_at = seq
end)
busy:join()
task.sleep(5)
assert(busy_done_at == 1 and woke_at == 2, ("busy %s, sleeper %s"):format(busy_done_at, woke_at))
print("ok")
