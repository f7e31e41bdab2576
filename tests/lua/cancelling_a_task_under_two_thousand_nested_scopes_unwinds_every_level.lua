-- Cancelling the scope above a task that sits under 2 000 nested scopes
-- unwinds every level cooperatively: each body and child closes once, and
-- the cancellation reaches the top unchanged.
local task = std.task
local DEPTH = 2000
local closed_levels, closed_children, after_scope = 0, 0, 0
local at_bottom = false
local function nest(level)
  local guard <close> = setmetatable({}, { __close = function() closed_levels = closed_levels + 1 end })
  if level == DEPTH then
    at_bottom = true
    task.sleep(100000)
    return
  end
  task.scope(function(s)
    s:spawn(function()
      local g <close> = setmetatable({}, { __close = function() closed_children = closed_children + 1 end })
      task.sleep(100000)
    end)
    nest(level + 1)
  end)
  after_scope = after_scope + 1
end
local h
local t0
task.scope(function(top)
  h = top:spawn(function() nest(1) end)
  while not at_bottom do task.sleep(1) end
  t0 = std.time.monotonic()
  top:cancel()
end)
assert(std.time.monotonic() - t0 < 5, "unwinding took too long")
local ok, err = pcall(function() return h:join() end)
assert(not ok and task.is_cancelled(err), tostring(err))
assert(closed_levels == DEPTH, "closed " .. closed_levels .. " of " .. DEPTH .. " levels")
assert(closed_children == DEPTH - 1, "closed " .. closed_children .. " of " .. (DEPTH - 1) .. " children")
assert(after_scope == 0, "code after a cancelled scope ran " .. after_scope .. " times")
print("ok")
