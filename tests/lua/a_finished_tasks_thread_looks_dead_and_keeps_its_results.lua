-- args: --virtual-time
-- The thread of a finished task (or scope body) holds its outcome until a
-- join or the scope's caller takes it: to the coroutine library it is dead,
-- so the script can neither resume it (calling a result as a function) nor
-- close it (wiping the results).
local task = std.task
local thread
local h = task.spawn(function()
  thread = coroutine.running()
  return function() error("a result must never be called") end, "second"
end)
task.yield(); task.yield()
assert(h:is_finished())
assert(coroutine.status(thread) == "dead", coroutine.status(thread))
local ok, err = coroutine.resume(thread, "x")
assert(ok == false and err == "cannot resume dead coroutine", tostring(err))
assert(coroutine.close(thread) == true)
local f, second = h:join()
assert(type(f) == "function" and second == "second", "join lost the results")
-- a failed task keeps its error the same way
local failed_thread
local e = { "the error" }
local failed = task.spawn(function() failed_thread = coroutine.running(); error(e) end)
task.yield(); task.yield()
assert(coroutine.status(failed_thread) == "dead")
assert(select(2, coroutine.resume(failed_thread)) == "cannot resume dead coroutine")
coroutine.close(failed_thread)
local jok, jerr = pcall(failed.join, failed)
assert(not jok and rawequal(jerr, e), tostring(jerr))
-- a scope body that returned while its children still run
local body_thread
local a, b = task.scope(function(s)
  body_thread = coroutine.running()
  s:spawn(function()
    task.yield(); task.yield()
    assert(coroutine.status(body_thread) == "dead", coroutine.status(body_thread))
    assert(coroutine.close(body_thread) == true)
    assert(select(2, coroutine.resume(body_thread)) == "cannot resume dead coroutine")
  end)
  return "v1", "v2"
end)
assert(a == "v1" and b == "v2", "the scope lost its body's values")
-- a task suspended in a sleep is not the script's to resume or close
local sleeping_thread
local sleeper = task.spawn(function() sleeping_thread = coroutine.running(); task.sleep(20); return "woke" end)
task.yield(); task.yield()
assert(coroutine.status(sleeping_thread) == "normal", coroutine.status(sleeping_thread))
assert(select(2, coroutine.resume(sleeping_thread)) == "cannot resume non-suspended coroutine")
assert(not pcall(coroutine.close, sleeping_thread))
assert(sleeper:join() == "woke")
print("ok")
