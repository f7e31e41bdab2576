-- For the script's own coroutines, coroutine.running/status/isyieldable/
-- close/resume/wrap give plain Lua's answers, in the main chunk and in
-- tasks of both drivers, also after a task suspension inside them.
local task = std.task
local function probe()
  local r = {}
  local function add(k, v) r[#r + 1] = k .. "=" .. tostring(v) end
  local co
  co = coroutine.create(function()
    local me, ismain = coroutine.running()
    add("running is co", me == co)
    add("ismain", ismain)
    add("yieldable", coroutine.isyieldable())
    task.yield()
    add("status inside", coroutine.status(co))
    local sub = coroutine.create(function()
      add("outer seen from sub", coroutine.status(co))
      coroutine.yield()
    end)
    coroutine.resume(sub)
    add("sub after yield", coroutine.status(sub))
    local self_ok, self_err = coroutine.resume(co)
    add("resume self", self_ok)
    add("resume self msg", self_err)
    coroutine.yield(1)
    return "done"
  end)
  add("fresh", coroutine.status(co))
  add("isyieldable(co)", coroutine.isyieldable(co))
  local ok, v = coroutine.resume(co)
  add("first resume", tostring(ok) .. "/" .. tostring(v))
  add("after yield", coroutine.status(co))
  ok, v = coroutine.resume(co)
  add("second resume", tostring(ok) .. "/" .. tostring(v))
  add("dead", coroutine.status(co))
  ok, v = coroutine.resume(co)
  add("resume dead", tostring(ok) .. "/" .. tostring(v))
  local w = coroutine.wrap(function() return 1 end)
  w()
  ok, v = pcall(w)
  add("wrap dead", tostring(ok) .. "/" .. tostring(v):gsub("^.-:%d+: ", ""))
  -- close: a suspended coroutine with a pending __close
  local closed = 0
  local c2 = coroutine.create(function()
    local g <close> = setmetatable({}, { __close = function() closed = closed + 1 end })
    task.sleep(1)
    coroutine.yield()
  end)
  coroutine.resume(c2)
  add("close suspended", coroutine.close(c2))
  add("closed count", closed)
  add("status closed", coroutine.status(c2))
  local c3 = coroutine.create(function() error("e3", 0) end)
  coroutine.resume(c3)
  local cok, cerr = coroutine.close(c3)
  add("close dead-with-error", tostring(cok) .. "/" .. tostring(cerr))
  return table.concat(r, "\n")
end
-- what plain Lua 5.4 answers (std.task suspensions do not show)
local want = table.concat({
  "fresh=suspended", "isyieldable(co)=true",
  "running is co=true", "ismain=false", "yieldable=true",
  "status inside=running", "outer seen from sub=normal", "sub after yield=suspended",
  "resume self=false", "resume self msg=cannot resume non-suspended coroutine",
  "first resume=true/1", "after yield=suspended", "second resume=true/done", "dead=dead",
  "resume dead=false/cannot resume dead coroutine", "wrap dead=false/cannot resume dead coroutine",
  "close suspended=true", "closed count=1", "status closed=dead", "close dead-with-error=false/e3",
}, "\n")
local got = probe()
assert(got == want, "main chunk:\n" .. got)
for _, driver in ipairs({ "async_fn", "coroutine" }) do
  got = task.spawn(probe, { driver = driver }):join()
  assert(got == want, driver .. ":\n" .. got)
end
print("ok")
