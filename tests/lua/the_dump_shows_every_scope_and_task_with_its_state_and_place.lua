-- std.task.dump() of a deliberately wedged program: counts at the top, the
-- tree of scopes (kind, name, deadline and time left, grace, cancelled) and
-- every task with its state, age and the traceback of where it is
-- suspended. Virtual time makes the times exact.
-- args: --virtual-time
local task = std.task

local function nap() task.sleep(5000) end
local sleeper = task.spawn(function() nap() end, { name = "sleeper" })
task.spawn(function() sleeper:join() end, { name = "joiner" })
task.spawn(function()
  task.scope("inner", function(s)
    s:spawn(function() task.sleep(100000) end, { name = "deep" })
    task.sleep(3000)
  end)
end, { name = "opener" })
task.spawn(function()
  pcall(task.with_timeout, 200, function() task.sleep(9000) end, { grace_ms = 50 })
end, { name = "timed" })
task.spawn(function()
  pcall(task.with_timeout, 100, function()
    pcall(task.sleep, 1e9)
    grace_dump = task.dump() -- after the deadline: the grace window is running
  end, { grace_ms = 10000 })
end, { name = "graceful" })
local self_aborting
self_aborting = task.spawn(function()
  self_aborting:abort()
  aborting_dump = task.dump()
  task.yield()
end, { name = "quitter" })
task.sleep(150)
task.spawn(function() task.yield() end, { name = "yielder" })
task.yield()
local late = task.spawn(function() end, { name = "late" })
local d = task.dump()
local b = task.dump("brief")
local cancelled_scope_dump
task.scope("doomed", function(s)
  s:spawn(function() task.sleep(1000) end)
  s:cancel()
  cancelled_scope_dump = task.dump()
end)

local function has(text, where)
  assert((where or d):find(text, 1, true), ("dump lacks %q:\n%s"):format(text, where or d))
end

-- counts at the top (the quitter and graceful finished; the late task has
-- not started)
has("std.task dump at +150.0 ms: 7 task(s) alive (0 running, 2 runnable, 2 sleeping, 1 joining, 2 in a scope, 0 waiting, 0 in a bridge op, 0 aborting), 3 scope(s) open\n")
has("root scope\n  main chunk: running\n    stack traceback:\n")
-- sleeping until, with time left and age, and where: the traceback names nap
has("  t1 (sleeper): sleeping until +5000.0 ms (4850.0 ms left), age 150.0 ms\n    stack traceback:\n      [C]: in function 'std.task.sleep'\n")
has("in upvalue 'nap'")
has("  t2 (joiner): joining t1 (sleeper), age 150.0 ms\n")
-- a task inside a named scope, the scope under it, its body and its child
has("  t3 (opener): in scope \"inner\", age 150.0 ms\n")
has("    scope \"inner\" (opened by t3, age 150.0 ms)\n      body of scope \"inner\": sleeping until +3000.0 ms (2850.0 ms left)\n")
has("      t7 (deep): sleeping until +100000.0 ms (99850.0 ms left), age 150.0 ms\n")
-- a with_timeout with its deadline still ahead
has("    with_timeout 200.0 ms (opened by t4, age 150.0 ms, deadline in 50.0 ms, grace 50.0 ms)\n")
-- a with_timeout whose deadline passed: grace running, cancelled
has("    with_timeout 100.0 ms (opened by t5, age 100.0 ms, deadline hit, grace 10000.0 ms, grace running (10000.0 ms left), cancelled)\n      body of with_timeout 100.0 ms: running\n", grace_dump)
-- started and yielded; spawned and never run (no stack yet)
has("  t8 (yielder): runnable, age 0.0 ms\n    stack traceback:\n      [C]: in function 'std.task.yield'\n")
has("  t9 (late): runnable (not started), age 0.0 ms\n")
-- a task that aborted itself is "aborting" until its next suspension point
has("  t6 (quitter): aborting, age 0.0 ms\n    stack traceback:\n", aborting_dump)
-- a cancelled scope, and the body that dumped (running)
has("  main chunk: in scope \"doomed\"\n", cancelled_scope_dump)
has("    scope \"doomed\" (opened by the main chunk, age 0.0 ms, cancelled)\n      body of scope \"doomed\": running\n", cancelled_scope_dump)
has("      t10: runnable (not started), age 0.0 ms\n", cancelled_scope_dump)

-- the brief form: one line per fiber, with the top Lua frame
has("  t1 (sleeper): sleeping until +5000.0 ms (4850.0 ms left), age 150.0 ms, at ", b)
has("_place.lua:8\n", b)
has("  body of scope \"inner\": sleeping until +3000.0 ms (2850.0 ms left), at ", b)
assert(not b:find("stack traceback", 1, true), b)
local ok, err = pcall(task.dump, "short")
assert(not ok and tostring(err):find("invalid option 'short'", 1, true), tostring(err))

-- the dump leaves everything where it was: the run goes on and ends
sleeper:abort()
print("ok")
