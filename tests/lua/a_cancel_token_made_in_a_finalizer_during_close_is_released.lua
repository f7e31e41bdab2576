-- A __gc that runs while the state closes (lua_close) can make a
-- CancelToken; Lua attaches no finalizer to objects made then, so the
-- runtime releases the token at its own teardown. Before, each such token
-- leaked (LeakSanitizer, on the sanitizer build, fails this test then).
local task = std.task
made = {}
for i = 1, 3 do
  -- globals: finalized only when the state closes
  made[i] = setmetatable({}, { __gc = function()
    local token = task.cancel_token()
    token:cancel()
  end })
end
print("ok")
