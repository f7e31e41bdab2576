-- No runtime timer keeps the run alive once nothing waits: a with_timeout
-- that returned early, an aborted sleeper and a cancelled one leave no
-- pending deadline behind. Runs the runner (arg[-1]) on a small chunk.
local runner = arg and arg[-1]
assert(runner, "the runner must provide arg[-1]")
local chunk = table.concat({
  "local t = std.task",
  "t.with_timeout(100000, function() end, { grace_ms = 100000 })",
  "local h = t.spawn(function() t.sleep(100000) end)",
  "t.yield(); h:abort()",
  "t.scope(function(s) s:spawn(function() t.sleep(100000) end); t.yield(); s:cancel() end)",
  "local k = t.spawn(function() coroutine.yield(100000) end, { driver = 'coroutine' })",
  "t.yield(); k:abort()",
  "print('chunk done')",
}, "; ")
local t0 = std.time.monotonic()
local p = io.popen(("timeout 20 %q -e %q 2>&1; echo \"status=$?\""):format(runner, chunk))
local out = p:read("a")
p:close()
local took = std.time.monotonic() - t0
assert(out:find("chunk done", 1, true) and out:find("status=0", 1, true), out)
assert(took < 5, ("the run lingered %.1f s after everything was done"):format(took))
print("ok")
