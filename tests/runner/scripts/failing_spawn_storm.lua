-- Spawns failing tasks without end, never suspending: under a memory limit
-- the run must end promptly with the memory error (it is run so, with
-- `ulimit -v`, by tests/CMakeLists.txt).
local task = std.task
local i = 0
while true do
  i = i + 1
  task.spawn(function() error("boom " .. i) end)
end
