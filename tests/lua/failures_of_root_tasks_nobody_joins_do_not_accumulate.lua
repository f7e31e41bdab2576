-- A root task that fails while nobody joins it is reported once its handle
-- is garbage and the runtime keeps nothing of it: a program that keeps
-- spawning failing tasks stays flat. Before, every failure stayed (error,
-- thread, traceback) until the run ended. A handle the script keeps is
-- still joinable and gets the error.
local task = std.task

local kept = task.spawn(function() error("kept-failure-41") end)
local function round()
  for _ = 1, 2000 do
    task.spawn(function() error("boom") end)
  end
  task.yield()
  collectgarbage()
  collectgarbage()
  return collectgarbage("count")
end
local first = round()
local last
for _ = 1, 4 do last = round() end
-- 8000 more failures: about 9 MB when they were kept
assert(last - first < 256, ("the heap grew by %.0f KB"):format(last - first))

local ok, err = pcall(kept.join, kept)
assert(not ok and tostring(err):find("kept-failure-41", 1, true), tostring(err))
print("ok")
