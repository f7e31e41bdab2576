-- Preemption reaches the innermost running coroutine: a busy loop inside
-- the script's own coroutine, inside a task, lets other tasks run, and the
-- coroutine's resume/yield results are exactly what they would be without
-- preemption.
-- Time slicing (--slice-ms) is what this is about.
-- args: --slice-ms 10
local task = std.task
local stop = false
local other_ran = 0

local other = task.spawn(function()
  while other_ran < 5 do
    other_ran = other_ran + 1
    task.sleep(5)
  end
  stop = true
end)

local h = task.spawn(function()
  local results = {}
  local co = coroutine.create(function(a, b)
    while not stop do end -- preempted here, inside the coroutine
    local c = coroutine.yield(a + b, "first")
    local spins = 0
    for _ = 1, 3e6 do spins = spins + 1 end
    return c * 2, spins
  end)
  results[1] = table.pack(coroutine.resume(co, 1, 2))
  results[2] = table.pack(coroutine.resume(co, 10))
  results[3] = table.pack(coroutine.resume(co))
  return results, coroutine.status(co)
end)

local results, status = h:join()
other:join()
assert(other_ran == 5)
local r1, r2, r3 = results[1], results[2], results[3]
assert(r1.n == 3 and r1[1] == true and r1[2] == 3 and r1[3] == "first", "first resume")
assert(r2.n == 3 and r2[1] == true and r2[2] == 20 and r2[3] == 3e6, "second resume")
assert(r3.n == 2 and r3[1] == false and r3[2] == "cannot resume dead coroutine", "third resume")
assert(status == "dead")

-- the same through coroutine.wrap: a generator that computes between its
-- values until another task has run (or 5 s of CPU time have passed)
local ticks = 0
local h2 = task.spawn(function()
  local gen = coroutine.wrap(function()
    for i = 1, 3 do
      local before, give_up = ticks, os.clock() + 5
      while ticks == before and os.clock() < give_up do end
      coroutine.yield(i, ticks > before)
    end
  end)
  local values = {}
  for _ = 1, 3 do
    local v, saw_tick = gen()
    values[#values + 1] = v
    assert(saw_tick, "the ticker did not run while the generator was busy")
  end
  return table.unpack(values)
end)
local ticker = task.spawn(function()
  while not h2:is_finished() do
    ticks = ticks + 1
    task.sleep(1)
  end
end)
local a, b, c = h2:join()
ticker:join()
assert(a == 1 and b == 2 and c == 3, "generator values")
print("ok")
