-- A script's own debug hook does not shield busy code from a hard abort:
-- the runtime sets it aside while its own hook runs, and a due hard abort
-- drops it (as lua.c does on Ctrl-C). Before, such a body ran for good.
local task = std.task
for _, mask in ipairs({ "", "c", "l" }) do
  local closed = false
  local ok, err = pcall(task.with_timeout, 50, function()
    local _ <close> = setmetatable({}, { __close = function() closed = true end })
    debug.sethook(function() end, mask, 1 << 30)
    while true do end
  end, { grace_ms = 20 })
  assert(not ok and tostring(err) == "task.with_timeout: exceeded 50 ms", mask .. ": " .. tostring(err))
  assert(closed, mask .. ": the __close handler did not run")
end
print("ok")
