-- A main chunk that never suspends.
print("ready"); io.stdout:flush()
local _ <close> = setmetatable({}, { __close = function() print("main closed") end })
while true do end
