-- Code where Lua cannot yield (a table.sort comparator, a gsub callback, a
-- __tostring called from C) cannot be suspended, but a due hard abort
-- reaches it: the abort is raised there, again and again while pcalls on
-- the way catch it, until the task has unwound; its __close handlers run
-- and with_timeout raises exceeded.
local task = std.task
local function spin() while true do end end
local busy_places = {
  sort = function() table.sort({ 3, 2, 1 }, spin) end,
  gsub = function() string.gsub("x", "x", spin) end,
  tostring_from_c = function() return string.format("%s", setmetatable({}, { __tostring = spin })) end,
  sort_under_pcalls = function()
    for _ = 1, 3 do pcall(table.sort, { 3, 2, 1 }, spin) end
    while true do pcall(string.gsub, "x", "x", spin) end
  end,
}
for name, body in pairs(busy_places) do
  local closed = false
  local ok, err = pcall(task.with_timeout, 50, function()
    local _ <close> = setmetatable({}, { __close = function() closed = true end })
    body()
  end, { grace_ms = 20 })
  assert(not ok and tostring(err) == "task.with_timeout: exceeded 50 ms", name .. ": " .. tostring(err))
  assert(closed, name .. ": the __close handler did not run")
  -- in a task of its own: the joiner gets task aborted
  local h = task.spawn(function()
    local _ <close> = setmetatable({}, { __close = function() closed = name end })
    task.with_timeout(50, body, { grace_ms = 0 })
  end)
  local ok2, err2 = pcall(h.join, h)
  assert(not ok2 and tostring(err2) == "task.with_timeout: exceeded 50 ms", name .. ": " .. tostring(err2))
  assert(closed == name, name .. ": the task's __close handler did not run")
end
print("ok")
