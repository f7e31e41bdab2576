-- args: --virtual-time
-- task.var: one value per task; a spawned task gets a copy of the
-- spawner's values at spawn time (later sets on either side are not seen
-- by the other); scope bodies share their task's values; the main chunk
-- sets the root context; a finished task's values are released.
local task = std.task
local v = task.var("default")
local other = task.var()
assert(v:get() == "default" and other:get() == nil)
assert(tostring(v):match("^var: "))

v:set("root")
assert(v:get() == "root")

local seen = {}
task.scope(function(s)
  assert(v:get() == "root", "a scope body of the main chunk shares the root context")
  s:spawn(function()
    seen.child_start = v:get()             -- copied at spawn
    v:set("child")
    task.sleep(2)
    seen.child_after = v:get()             -- the parent's later set is not seen
    local h = task.spawn(function() return v:get() end)
    seen.grandchild = h:join()             -- inherits the child's value
    task.scope(function() seen.child_body = v:get() end)
  end)
  task.sleep(1)
  v:set("root again")
end)
assert(seen.child_start == "root", tostring(seen.child_start))
assert(seen.child_after == "child")
assert(seen.grandchild == "child")
assert(seen.child_body == "child", "a scope body opened by a task shares its values")
assert(v:get() == "root again", "the child's set is not seen by the parent")

-- set(nil) hides the default; other vars are independent
v:set(nil)
assert(v:get() == nil and other:get() == nil)
other:set(1)
assert(other:get() == 1 and v:get() == nil)

-- a finished task's values are released
local held = setmetatable({}, { __mode = "k" })
do
  local value = {}
  held[value] = true
  task.spawn(function() v:set(value) end):join()
end
collectgarbage("collect")
assert(next(held) == nil, "the finished task's value was released")

-- misuse
local ok, err = pcall(v.get, {})
assert(not ok and err:find("Var expected", 1, true), err)
ok, err = pcall(v.set, v)
assert(not ok and err:find("bad argument #2", 1, true), err)
print("ok")
