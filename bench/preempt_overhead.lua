-- CPU-bound Lua in one task (arithmetic and a table write per iteration):
-- the workload of bench/preempt_overhead.sh. The iteration count is the
-- first argument.
local n = tonumber(arg and arg[1]) or 120000000
local h = std.task.spawn(function()
  local acc, t = 0, { 0 }
  for i = 1, n do
    acc = (acc + i * 7) % 1000003
    t[1] = acc
  end
  return acc
end)
print(h:join())
