-- args: --virtual-time
-- An acquire that raised `task cancelled` holds no permit and leaves the
-- queue. A permit released to it in the same turn as the cancel, before
-- the cancel, is its own: acquire returns it and the cancel is seen at the
-- next suspension point, after which its <close> variable releases it.
local task = std.task
local sem = task.semaphore(1)
local held = sem:acquire()
assert(sem:available() == 0)

local function run(after)
  local result
  task.scope(function(s)
    local as
    s:spawn(function()
      task.scope(function(sc)
        as = sc
        local ok, err = pcall(function()
          local p <close> = sem:acquire()
          result = "acquired"
          task.checkpoint()
          result = "no cancel seen"
        end)
        if not ok and result ~= "acquired" then result = task.is_cancelled(err) and "cancelled" or tostring(err) end
      end)
    end)
    task.sleep(1)
    assert(sem:waiting() == 1)
    after(as)
  end)
  return result
end

assert(run(function(as) as:cancel() end) == "cancelled")
assert(sem:waiting() == 0 and sem:available() == 0)

-- release first, then cancel: the permit went to the waiter, which returned
assert(run(function(as) held:release(); as:cancel() end) == "acquired")
assert(sem:available() == 1, "the waiter's <close> gave the permit back")
held = sem:acquire()

-- cancel first, then release: the waiter raised, the permit is free
assert(run(function(as) as:cancel(); held:release() end) == "cancelled")
assert(sem:available() == 1 and sem:waiting() == 0)
print("ok")
