-- Finished tasks hand their threads to later tasks. The runtime keeps up
-- to 8192 idle threads for good; a burst of more tasks than that leaves
-- the rest to the next collection, which frees them. Later tasks still
-- find working threads among the ones that are left.
local task = std.task

-- Spawns n tasks that are all alive at once, so that n threads exist.
local function burst(n, keep)
  local done = 0
  task.scope(function(s)
    for i = 1, n do
      local h = s:spawn(function(...)
        assert(select("#", ...) == 0, "a task started with leftover values")
        task.yield()
        done = done + 1
      end)
      if keep and i % 2 == 1 then keep[#keep + 1] = h end
    end
  end)
  assert(done == n, ("%d of %d tasks finished"):format(done, n))
end

burst(100) -- warm-up: the runtime's own tables reach their first size
collectgarbage("collect")
collectgarbage("collect")
local before = collectgarbage("count")

-- 30 000 threads are about 30 MiB. What may stay is the 8192 kept ones
-- (about 8.5 MiB) and the runtime's tables (the pin and pool arrays, 16
-- bytes a slot), not the whole burst.
burst(30000)
collectgarbage("collect")
collectgarbage("collect")
local after = collectgarbage("count")
assert(after - before < 12 * 1024, ("%.0f KiB still held after a burst of 30 000 tasks"):format(after - before))

-- A handle keeps its task's thread alive, pooled or not: with every other
-- handle kept, a collection frees only some of the pooled threads, and
-- the next burst takes the rest from between the freed slots.
local kept = {}
burst(20000, kept)
collectgarbage("collect")
collectgarbage("collect")
burst(20000)
for _, h in ipairs(kept) do
  assert(h:is_finished(), "a kept handle's task is not finished")
  assert(select("#", h:join()) == 0, "a kept handle's join returned values")
end
print("ok")
