-- A worker pool with a bound: 20 jobs, at most 4 running at once.
--
--   build/lua-batteries examples/worker_pool.lua
--
-- task.gather's concurrency option starts the jobs in order as earlier
-- ones finish; a semaphore does the same for tasks spawned anywhere.
local task = std.task

local function job(i)
  task.sleep(10 + (i * 7) % 30)  -- stands for I/O of varying length
  return i * i
end

-- With gather: results come back in job order.
local fns = {}
for i = 1, 20 do fns[i] = function() return job(i) end end
local squares = task.gather(fns, { concurrency = 4 })
local sum = 0
for i = 1, squares.n do sum = sum + squares[i] end

-- With a semaphore: any task may take a permit; <close> gives it back.
local limit = task.semaphore(4)
local running, most = 0, 0
task.scope(function(s)
  for i = 1, 20 do
    s:spawn(function()
      local permit <close> = limit:acquire()
      running = running + 1
      most = math.max(most, running)
      job(i)
      running = running - 1
    end)
  end
end)

print(("worker pool: sum of squares %d, at most %d jobs at once"):format(sum, most))
assert(sum == 2870 and most == 4)
