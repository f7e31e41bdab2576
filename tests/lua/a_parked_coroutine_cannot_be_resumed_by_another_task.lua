-- args: --virtual-time
-- A user coroutine whose task is suspended inside it (parked in a std.task
-- wait) belongs to that task: resume/wrap/close from another task or the
-- main chunk fail cleanly, and the owning task finishes correctly.
local task = std.task
local co, gen
local in_gen = false
local owner = task.spawn(function()
  local closed = 0
  co = coroutine.create(function(a)
    local g <close> = setmetatable({}, { __close = function() closed = closed + 1 end })
    task.sleep(200) -- parked here while others try to interfere
    local b = coroutine.yield(a + 1)
    return b * 2
  end)
  gen = coroutine.wrap(function()
    task.sleep(200)
    coroutine.yield("gen value")
  end)
  local ok1, v1 = coroutine.resume(co, 1)
  local ok2, v2 = coroutine.resume(co, 10)
  in_gen = true
  local g = gen()
  return ok1, v1, ok2, v2, coroutine.status(co), closed, g
end)
task.sleep(10)
assert(co and not owner:is_finished(), "the owner should be parked inside its coroutine")
-- from the main chunk
local ok, err = coroutine.resume(co, "intruder")
assert(ok == false and type(err) == "string", "main resumed a parked coroutine: " .. tostring(err))
-- from another task, with resume, close and (later) the wrap function
local intruder = task.spawn(function()
  local r = {}
  local rok, rerr = coroutine.resume(co, "intruder")
  r[#r + 1] = (rok == false and type(rerr) == "string") and "resume refused" or "resume accepted"
  local cok, cres = pcall(coroutine.close, co)
  r[#r + 1] = (not cok or cres == false) and "close refused" or "close accepted"
  return table.concat(r, ",")
end)
local verdict = intruder:join()
assert(verdict == "resume refused,close refused", verdict)
-- wait until the owner is parked inside gen, then call gen from another task
while not in_gen do task.sleep(1) end
task.sleep(10)
local wrap_intruder = task.spawn(function()
  local wok = pcall(gen)
  return wok
end)
assert(wrap_intruder:join() == false, "another task ran a parked generator")
local ok1, v1, ok2, v2, status, closed, g = owner:join()
assert(ok1 == true and v1 == 2, "first resume: " .. tostring(ok1) .. " " .. tostring(v1))
assert(ok2 == true and v2 == 20, "second resume: " .. tostring(ok2) .. " " .. tostring(v2))
assert(status == "dead" and closed == 1, status .. " closed=" .. closed)
assert(g == "gen value", tostring(g))
print("ok")
