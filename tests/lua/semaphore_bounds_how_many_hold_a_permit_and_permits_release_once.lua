-- args: --virtual-time
-- A semaphore of n lets at most n tasks hold a permit at once. A permit is
-- released by its <close> variable on return, error and cancellation, by
-- release() (twice is a no-op), and by its finalizer when it is garbage.
local task = std.task
local sem = task.semaphore(3)
assert(sem:available() == 3 and sem:waiting() == 0)
local holding, most = 0, 0
local handles = {}
task.scope(function(s)
  for i = 1, 20 do
    handles[i] = s:spawn(function()
      return pcall(function()
        local p <close> = sem:acquire()
        holding = holding + 1
        if holding > most then most = holding end
        task.sleep(i % 4 + 1)
        holding = holding - 1
        if i % 5 == 0 then error("released on error too") end
      end)
    end)
  end
  task.sleep(1)
  assert(sem:waiting() == 17)
end)
for i = 1, 20 do assert(handles[i]:join() == (i % 5 ~= 0)) end
assert(most == 3 and sem:available() == 3, most .. " " .. sem:available())

-- release early, twice
local p = sem:acquire()
p:release()
p:release()
assert(sem:available() == 3)
-- try_acquire
local held = {}
for i = 1, 3 do held[i] = assert(sem:try_acquire()) end
assert(sem:try_acquire() == nil and sem:available() == 0)
-- a garbage permit is released by its finalizer
held = nil
collectgarbage()
collectgarbage()
assert(sem:available() == 3, sem:available())
-- cancelled while holding: the <close> variable releases
task.scope(function(s)
  s:spawn(function() local q <close> = sem:acquire(); task.sleep(1000) end)
  task.sleep(1)
  assert(sem:available() == 2)
  s:cancel()
end)
assert(sem:available() == 3)
print("ok")
