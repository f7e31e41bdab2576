-- Lua 5.4 can yield through metamethods, iterators, pcall and __close
-- handlers called from Lua code: task suspension works there too.
local task = std.task
local h = task.spawn(function()
  local log = {}
  local mt = {
    __lt = function(a, b) task.sleep(1); return a.v < b.v end,
    __index = function(_, k) task.yield(); return "lazy " .. k end,
    __concat = function(a, b) task.checkpoint(); return "joined" end,
  }
  local a, b = setmetatable({ v = 1 }, mt), setmetatable({ v = 2 }, mt)
  log[#log + 1] = tostring(a < b)
  log[#log + 1] = a.missing
  log[#log + 1] = a .. b
  local function iter(_, i) if i < 2 then task.yield(); return i + 1 end end
  for i in iter, nil, 0 do log[#log + 1] = "it" .. i end
  local ok, v = pcall(function() task.sleep(1); return "pcalled" end)
  log[#log + 1] = ok and v or "pcall failed"
  ok, v = xpcall(function() task.yield(); return "xpcalled" end, debug.traceback)
  log[#log + 1] = ok and v or "xpcall failed"
  do
    local guard <close> = setmetatable({}, { __close = function() task.sleep(1); log[#log + 1] = "closed" end })
  end
  return table.concat(log, "|")
end)
local got = h:join()
assert(got == "true|lazy missing|joined|it1|it2|pcalled|xpcalled|closed", got)
print("ok")
