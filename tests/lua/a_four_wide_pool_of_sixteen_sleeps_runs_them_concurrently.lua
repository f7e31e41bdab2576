-- Sixteen `sleep 0.2` commands, four at a time, take about 4 x 0.2 s, not
-- 16 x 0.2 s: a process wait suspends only its task. The bound is loose on
-- purpose (a concurrency proof, not a timing test).
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, process = std.task, std.process

h.no_fd_leak(function()
  local started = std.time.monotonic()
  local next_job, done = 1, 0
  task.scope(function(s)
    for _ = 1, 4 do
      s:spawn(function()
        while next_job <= 16 do
          next_job = next_job + 1
          assert(process.run({ "sleep", "0.2" }).code == 0)
          done = done + 1
        end
      end)
    end
  end)
  local elapsed = std.time.monotonic() - started
  assert(done == 16)
  assert(elapsed >= 0.75, "too fast to have run: " .. elapsed)
  assert(elapsed < 2.0, ("16 sleeps of 0.2 s four at a time took %.2f s"):format(elapsed))
end)
print("ok")
