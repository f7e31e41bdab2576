-- join, scope and with_timeout return all values: trailing nils, none at
-- all, and long lists, under both drivers.
local task = std.task
local function count(...) return select("#", ...), ... end
for _, driver in ipairs({ "async_fn", "coroutine" }) do
  local opts = { driver = driver }
  local n, a, b, c = count(task.spawn(function() task.yield(); return 1, nil, nil end, opts):join())
  assert(n == 3 and a == 1 and b == nil and c == nil, driver .. ": trailing nils, got " .. n)
  n = count(task.spawn(function() end, opts):join())
  assert(n == 0, driver .. ": no values, got " .. n)
  n = count(task.spawn(function() return nil end, opts):join())
  assert(n == 1, driver .. ": one nil, got " .. n)
  local many = {}
  for i = 1, 200 do many[i] = i end
  local r = table.pack(task.spawn(function() return table.unpack(many) end, opts):join())
  assert(r.n == 200 and r[1] == 1 and r[200] == 200, driver .. ": 200 values, got " .. r.n)
end
local n = count(task.scope(function() return nil, 2, nil end))
assert(n == 3, "scope: " .. n)
n = count(task.scope(function() end))
assert(n == 0, "empty scope: " .. n)
n = count(task.with_timeout(1000, function() task.sleep(1); return nil, nil end))
assert(n == 2, "with_timeout: " .. n)
print("ok")
