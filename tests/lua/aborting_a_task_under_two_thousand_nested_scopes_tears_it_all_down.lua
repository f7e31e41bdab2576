-- A task suspended under 2 000 nested scopes, each with a sleeping child,
-- is hard-aborted as a whole: every body and every child runs its __close
-- handler once, the children's joiners get "task aborted", no code after a
-- suspension point runs.
local task = std.task
local DEPTH = 2000
local closed_levels, closed_children, leaked = 0, 0, 0
local children = {}
local at_bottom = false
local function nest(level)
  local guard <close> = setmetatable({}, { __close = function() closed_levels = closed_levels + 1 end })
  if level == DEPTH then
    at_bottom = true
    task.sleep(100000)
    leaked = leaked + 1
    return
  end
  task.scope(function(s)
    children[#children + 1] = s:spawn(function()
      local g <close> = setmetatable({}, { __close = function() closed_children = closed_children + 1 end })
      task.sleep(100000)
      leaked = leaked + 1
    end)
    nest(level + 1)
    leaked = leaked + 1
  end)
  leaked = leaked + 1
end
local h = task.spawn(function() nest(1) end)
while not at_bottom do task.sleep(1) end
task.yield()
local t0 = std.time.monotonic()
h:abort()
local ok, err = pcall(function() return h:join() end)
assert(not ok and tostring(err) == "task aborted", tostring(err))
assert(std.time.monotonic() - t0 < 5, "tear-down took too long")
assert(closed_levels == DEPTH, "closed " .. closed_levels .. " of " .. DEPTH .. " levels")
assert(closed_children == DEPTH - 1, "closed " .. closed_children .. " of " .. (DEPTH - 1) .. " children")
assert(leaked == 0, leaked .. " pieces of code ran after the abort")
assert(#children == DEPTH - 1)
for i = 1, #children, 97 do
  local c = children[i]
  assert(c:is_finished(), "child " .. i .. " still running")
  local cok, cerr = pcall(function() return c:join() end)
  assert(not cok and tostring(cerr) == "task aborted", "child " .. i .. ": " .. tostring(cerr))
end
task.sleep(5)
assert(closed_levels == DEPTH and closed_children == DEPTH - 1, "a __close handler ran twice")
print("ok")
