-- expect-exit: 1
-- expect-stderr: traceback
-- The runner prints the error of the main chunk with a traceback.
local function level_two() error("deep failure") end
local function level_one() std.task.sleep(1); level_two() end
level_one()
