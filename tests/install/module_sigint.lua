-- Ctrl-C during lb.run, from the stock interpreter (driven by
-- install_test.sh, which sends SIGINT after each "ready" line):
--  1. the first SIGINT cancels the run's tasks (their __close handlers
--     run) and run raises "interrupted";
--  2. after run, the interpreter's own SIGINT handling is back: the next
--     SIGINT raises lua.c's "interrupted!" in plain Lua code.
local lb = require "lua_batteries"
local ok, err = pcall(lb.run, function()
  local task = lb.task
  task.spawn(function()
    local _ <close> = setmetatable({}, { __close = function() print("task closed") end })
    task.sleep(60000)
    print("sleep returned")
  end)
  task.sleep(10)
  io.write("ready\n")
  io.flush()
  task.sleep(60000)
end)
print("run raised: " .. tostring(not ok) .. " " .. tostring(err))
io.write("ready\n")
io.flush()
local started = os.time()
while os.time() - started < 20 do end -- lua.c's hook stops this loop
print("not interrupted")
