-- P1 cpu_loop: a CPU-bound Lua loop (arithmetic and a table write per
-- iteration) in one task, timed in CPU seconds of the process so that the
-- preemption on/off comparison is not skewed by other load on the machine.
--   lua-batteries [--slice-ms N] p1_cpu_loop.lua ITERATIONS
local n = assert(tonumber(arg[1]), "usage: p1_cpu_loop.lua ITERATIONS")

local handle = std.task.spawn(function()
  local start = os.clock()
  local acc, t = 0, { 0 }
  for i = 1, n do
    acc = (acc + i * 7) % 1000003
    t[1] = acc
  end
  return os.clock() - start, acc
end)
local seconds = handle:join()
print(string.format("RESULT seconds=%.9f", seconds))
