-- args: --virtual-time
-- Every suspension point raises the same kind of cancellation error object
-- when its effective token is cancelled.
local task = std.task
local function check(label, err)
  assert(type(err) == "userdata", label .. ": got a " .. type(err) .. ": " .. tostring(err))
  assert(err.kind == "cancelled" and tostring(err) == "task cancelled", label .. ": " .. tostring(err))
  assert(task.is_cancelled(err), label)
end
local results = {}
local target = task.spawn(function() task.sleep(300) end) -- root scope: never cancelled
task.scope(function(s)
  s:spawn(function()
    local function try(label, fn)
      local ok, err = pcall(fn)
      assert(not ok, label .. " did not raise")
      results[#results + 1] = { label, err }
    end
    try("sleep", function() task.sleep(10000) end)
    try("sleep(0)", function() task.sleep(0) end)
    try("yield", function() task.yield() end)
    try("checkpoint", function() task.checkpoint() end)
    try("join", function() return target:join() end)
    try("scope", function() task.scope(function() task.sleep(10000) end) end)
    try("with_timeout", function() task.with_timeout(10000, function() task.sleep(10000) end) end)
    try("token check", function() s:token():check() end)
  end)
  s:spawn(function()
    local ok, err = pcall(coroutine.yield, 10000)
    results[#results + 1] = { "coroutine.yield(ms)", (not ok) and err or "no error" }
    ok, err = pcall(coroutine.yield)
    results[#results + 1] = { "coroutine.yield()", (not ok) and err or "no error" }
  end, { driver = "coroutine" })
  task.sleep(10)
  s:cancel()
end)
assert(#results == 10, "results: " .. #results)
for _, r in ipairs(results) do check(r[1], r[2]) end
print("ok")
