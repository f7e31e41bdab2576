-- The Lua module from the stock interpreter:
--   LUA_CPATH="<prefix>/lib/lua/5.4/?.so" lua5.4 module_check.lua
-- Prints "module ok" when every check passed; raises at the first that
-- did not.
local function check(cond, what, ...)
  if not cond then error(what .. (select("#", ...) > 0 and (": " .. tostring((...))) or ""), 2) end
end

-- require starts nothing and changes no global.
local globals = {}
for k, v in pairs(_G) do globals[k] = v end
local resume = coroutine.resume
local lb = require "lua_batteries"
for k, v in pairs(_G) do check(globals[k] == v or k == "lb", "require changed the global " .. tostring(k)) end
for k in pairs(globals) do check(rawget(_G, k) ~= nil, "require removed the global " .. tostring(k)) end
check(rawget(_G, "std") == nil, "require created std")
check(coroutine.resume == resume, "require replaced coroutine.resume")
check(type(lb.run) == "function", "lb.run is not a function")
check(type(lb.version) == "string", "lb.version is not a string")
local ok, err = pcall(function() return lb.task end)
check(not ok and tostring(err):find("available once lua_batteries.run has started", 1, true),
  "lb.task before the first run", err)

-- Argument errors.
ok, err = pcall(lb.run)
check(not ok and tostring(err):find("(function expected, got no value)", 1, true),
  "run without a function", err)
ok, err = pcall(lb.run, { bogus = 1 }, function() end)
check(not ok and tostring(err):find("unknown config field 'bogus'", 1, true), "unknown config field", err)
ok, err = pcall(lb.run, { grace_ms = -1 }, function() end)
check(not ok and tostring(err):find("config.grace_ms must be a number of ms from 0 to", 1, true), "bad grace_ms", err)
ok, err = pcall(lb.run, { driver = "threads" }, function() end)
check(not ok and tostring(err):find("config.driver must be 'async_fn' or 'coroutine'", 1, true), "bad driver", err)
check(rawget(_G, "std") == nil, "a refused run installed std")

-- The first run (with a config) returns fn's values, nils included, once
-- every root task has finished; tasks, joins and a timeout work.
local order = {}
local a, b, c, d = lb.run({ grace_ms = 200 }, function(x, y)
  local task = lb.task
  check(task == std.task, "lb.task is not std.task")
  check(lb.time == std.time, "lb.time is not std.time")
  local h = task.spawn(function() task.sleep(20); order[#order + 1] = "joined task"; return "slept" end)
  task.spawn(function() task.sleep(40); order[#order + 1] = "unjoined task" end)
  check(h:join() == "slept", "join")
  local ok2, err2 = pcall(task.with_timeout, 30, function() task.sleep(5000) end)
  check(not ok2 and tostring(err2) == "task.with_timeout: exceeded 30 ms", "with_timeout", err2)
  return x + y, nil, "three", nil
end, 1, 2)
check(a == 3 and b == nil and c == "three" and d == nil, "run's results", a)
check(order[2] == "unjoined task", "run returned before the root tasks finished")
check(select("#", lb.run(function() return nil, nil end)) == 2, "run drops trailing nils")

-- An error in fn is raised by run, with its traceback.
ok, err = pcall(lb.run, function() error("boom") end)
check(not ok and tostring(err):find("boom", 1, true) and tostring(err):find("stack traceback:", 1, true),
  "run raises fn's error with a traceback", err)

-- A joined task's error reaches the joiner and, unhandled there, run's
-- caller.
ok, err = pcall(lb.run, function()
  local h = lb.task.spawn(function() error("task failed") end)
  h:join()
end)
check(not ok and tostring(err):find("task failed", 1, true), "a joined task's error", err)

-- run inside run, a later run with another config.
ok, err = pcall(lb.run, function() lb.run(function() end) end)
check(not ok and tostring(err):find("a run is already in progress", 1, true), "nested run", err)
ok, err = pcall(lb.run, { grace_ms = 5 }, function() end)
check(not ok and tostring(err):find("a later run cannot change it", 1, true), "a later run's config", err)
ok = pcall(lb.run, { grace_ms = 200 }, function() end)
check(ok, "a later run with the same config")

-- One runtime per Lua state: a handle kept from one run joins in the next.
local kept = lb.run(function() return lb.task.spawn(function() return "kept" end) end)
check(lb.run(function() return kept:join() end) == "kept", "a handle from an earlier run")

-- The I/O modules come with it: a process and a loopback socket.
local out, echoed = lb.run(function()
  local r = lb.process.run({ "echo", "from a process" })
  local listener <close> = lb.net.listen("127.0.0.1", 0)
  local server = lb.task.spawn(function()
    local s <close> = listener:accept()
    s:write(s:read_line() .. "\n")
  end)
  local c <close> = lb.net.connect("127.0.0.1", listener.port)
  c:write("over loopback\n")
  local line = c:read_line()
  server:join()
  return r.stdout, line
end)
check(out == "from a process\n", "lb.process.run", out)
check(echoed == "over loopback", "lb.net echo", echoed)

-- Tasks cannot suspend outside a run.
ok, err = pcall(lb.task.sleep, 1)
check(not ok, "sleep outside a run")

print("module ok")
