-- A with_timeout in the main chunk whose body is still fetching when the
-- deadline passes.
local task = std.task
local function fetch() task.sleep(1e9) end
task.with_timeout(20, function() fetch() end)
