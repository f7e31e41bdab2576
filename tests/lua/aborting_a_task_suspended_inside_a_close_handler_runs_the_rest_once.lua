-- args: --virtual-time
-- A __close handler may suspend (at a block exit, or while an error
-- unwinds to a pcall). Aborting the task while it is suspended inside such
-- a handler stops that handler and runs each remaining one exactly once,
-- also inside a nested coroutine.
local task = std.task
local log
local function guard(name, fn)
  return setmetatable({}, { __close = function() log[#log + 1] = name; if fn then fn() end end })
end
local function aborted(fn)
  log = {}
  local h = task.spawn(fn)
  task.sleep(10)
  h:abort()
  local ok, err = pcall(function() return h:join() end)
  assert(not ok and tostring(err) == "task aborted", tostring(err))
  task.sleep(2)
  return table.concat(log, ",")
end
-- suspended in a handler at a normal block exit
local got = aborted(function()
  local a <close> = guard("a")
  do
    local b <close> = guard("b", function() task.sleep(100000); log[#log + 1] = "b resumed" end)
  end
  log[#log + 1] = "after block"
end)
assert(got == "b,a", "block exit: " .. got)
-- suspended in a handler while an error unwinds to a pcall
got = aborted(function()
  local a <close> = guard("a")
  local _, err = pcall(function()
    local x <close> = guard("x")
    local y <close> = guard("y", function() task.sleep(100000); log[#log + 1] = "y resumed" end)
    error("unwinding", 0)
  end)
  log[#log + 1] = "after pcall " .. tostring(err)
end)
assert(got == "y,x,a", "pcall unwinding: " .. got)
-- the same inside a coroutine.wrap generator
got = aborted(function()
  local a <close> = guard("a")
  local gen = coroutine.wrap(function()
    local w <close> = guard("w")
    pcall(function()
      local y <close> = guard("y", function() task.sleep(100000); log[#log + 1] = "y resumed" end)
      error("unwinding", 0)
    end)
    log[#log + 1] = "generator went on"
  end)
  gen()
end)
assert(got == "y,w,a", "inside a generator: " .. got)
print("ok")
