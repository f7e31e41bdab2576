-- coroutine.create/resume: a task suspension inside the coroutine suspends
-- the task; resume returns the coroutine's yields and results as in plain
-- Lua; errors come back from resume as false plus the error.
local task = std.task
local function body()
  local trace = {}
  local co = coroutine.create(function(a, b)
    task.sleep(3)
    trace[#trace + 1] = coroutine.status(coroutine.running())
    local c = coroutine.yield(a + b, "pair")
    task.yield()
    local d, e = coroutine.yield(c * 2)
    task.checkpoint()
    return d .. e, nil, "last"
  end)
  local r1 = { coroutine.resume(co, 1, 2) }
  trace[#trace + 1] = coroutine.status(co)
  local r2 = { coroutine.resume(co, 5) }
  local r3 = table.pack(coroutine.resume(co, "x", "y"))
  trace[#trace + 1] = coroutine.status(co)
  local failing = coroutine.create(function() task.sleep(1); error({ code = 3 }) end)
  local fok, ferr = coroutine.resume(failing)
  trace[#trace + 1] = coroutine.status(failing)
  return table.concat(trace, ","), r1, r2, r3, fok, ferr
end
for _, driver in ipairs({ "async_fn", "coroutine" }) do
  local trace, r1, r2, r3, fok, ferr = task.spawn(body, { driver = driver }):join()
  assert(trace == "running,suspended,dead,dead", driver .. ": " .. trace)
  assert(r1[1] == true and r1[2] == 3 and r1[3] == "pair", driver .. ": first resume")
  assert(r2[1] == true and r2[2] == 10, driver .. ": second resume")
  assert(r3.n == 4 and r3[1] == true and r3[2] == "xy" and r3[3] == nil and r3[4] == "last", driver .. ": last resume")
  assert(fok == false and type(ferr) == "table" and ferr.code == 3, driver .. ": failing coroutine")
end
print("ok")
