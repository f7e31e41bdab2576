-- A task function is called with no arguments (both drivers); scope and
-- with_timeout bodies get exactly the scope object.
local task = std.task
for _, driver in ipairs({ "async_fn", "coroutine" }) do
  local n = task.spawn(function(...) return select("#", ...) end, { driver = driver }):join()
  assert(n == 0, driver .. ": task function got " .. n .. " arguments")
end
local n, first
task.scope(function(...) n, first = select("#", ...), ... end)
assert(n == 1 and type(first.spawn) == "function", "scope body got " .. n .. " arguments")
local count, name = task.scope("x", function(...) return select("#", ...), (...).name end)
assert(count == 1 and name == "x", "named scope body got " .. count .. " arguments")
task.with_timeout(1000, function(...) n = select("#", ...); first = ... end)
assert(n == 1 and type(first.spawn) == "function", "with_timeout body got " .. n .. " arguments")
print("ok")
