-- debug.setupvalue on the runtime's C functions (coroutine.yield,
-- task.sleep, a wrap function, Handle's __index, std.time's functions) and
-- then calling them raises or behaves, never crashes. Before, coroutine.yield
-- with a replaced upvalue dereferenced null.
local task = std.task
local function try(f, ...) return pcall(f, ...) end
local funcs = {}
for _, lib in ipairs({ coroutine, task, std.time }) do
  for _, f in pairs(lib) do
    if type(f) == "function" then funcs[#funcs + 1] = f end
  end
end
local h = task.spawn(function() end)
h:join()
local mt = getmetatable(h)
funcs[#funcs + 1] = mt.__index
local scope_index
task.scope(function(s) scope_index = getmetatable(s).__index end)
funcs[#funcs + 1] = scope_index
local wrapped = coroutine.wrap(function() coroutine.yield(1) end)
funcs[#funcs + 1] = wrapped
for _, f in ipairs(funcs) do
  for _, v in ipairs({ 42, "x", {}, io.stdout, false }) do
    debug.setupvalue(f, 1, v)
  end
end
local outcome = task.spawn(function()
  try(coroutine.yield)
  try(task.sleep, 1)
  try(task.yield)
  try(std.time.monotonic)
  try(wrapped)
  try(function() return h.id end)
  try(function() return h:is_finished() end)
  try(task.scope, function(s) return s.name end)
  return "survived"
end)
assert(outcome:join() == "survived")
print("ok")
