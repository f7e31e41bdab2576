-- The main chunk runs on a coroutine of the runtime, but the coroutine
-- library answers there as the plain lua interpreter does for its main
-- thread: not yieldable, coroutine.running() reports it as the main one.
local co = coroutine
local ok, err = pcall(co.yield)
assert(not ok and tostring(err):find("attempt to yield from outside a coroutine", 1, true), tostring(err))
assert(co.isyieldable() == false, "the main chunk must not look yieldable")
local me, ismain = co.running()
assert(type(me) == "thread")
assert(ismain == true, "coroutine.running() must report the main chunk as the main thread")
assert(co.status(me) == "running")
local rok, rerr = co.resume(me)
assert(rok == false and rerr == "cannot resume non-suspended coroutine", tostring(rerr))
-- the same inside a scope body the main chunk opened: still not a coroutine of the script
std.task.scope(function()
  assert(co.isyieldable() == false, "scope body of the main chunk")
  local ok2, err2 = pcall(co.yield)
  assert(not ok2 and tostring(err2):find("attempt to yield from outside a coroutine", 1, true), tostring(err2))
end)
print("ok")
