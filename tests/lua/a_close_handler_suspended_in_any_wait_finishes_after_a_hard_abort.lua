-- A __close handler that had started and is suspended when a hard abort
-- comes -- in a join, a scope, a coroutine it resumed, a channel, a host
-- (bridge) wait, or a wait inside a coroutine whose own __close it is --
-- finishes: its wait raises `task aborted`, which it sees, and it runs to
-- its end; it cannot suspend any more. Before, it was dropped with the
-- thread. The fiber's own code goes no further than the handler: what
-- follows its exit never runs, and its pending handlers still run.
local task = std.task

local forever = task.spawn(function() task.sleep(3600000) end)
local listener = std.net.listen("127.0.0.1", 0)

local function check(name, wait, wrap)
  local state = { order = {} }
  local function body()
    local pending <close> = setmetatable({}, { __close = function()
      state.order[#state.order + 1] = "pending"
    end })
    do
      local guard <close> = setmetatable({}, { __close = function()
        state.started = true
        state.result = table.pack(pcall(wait))
        state.again = table.pack(pcall(task.sleep, 1))
        state.order[#state.order + 1] = "finished"
      end })
    end
    state.order[#state.order + 1] = "after the handler"
  end
  local t = task.spawn(wrap and function() coroutine.wrap(body)() end or body, { name = name })
  repeat task.yield() until state.started
  task.yield()
  t:abort()
  local ok, err = pcall(t.join, t)
  assert(not ok and tostring(err) == "task aborted", name .. ": join: " .. tostring(err))
  assert(table.concat(state.order, ",") == "finished,pending", name .. ": " .. table.concat(state.order, ","))
  assert(state.result[1] == false and tostring(state.result[2]) == "task aborted",
    name .. ": the wait gave " .. tostring(state.result[1]) .. ", " .. tostring(state.result[2]))
  assert(state.again[1] == false and tostring(state.again[2]):find("cannot suspend here", 1, true),
    name .. ": a second wait gave " .. tostring(state.again[2]))
end

check("join", function() return forever:join() end)
check("scope", function() return task.scope(function() task.sleep(3600000) end) end)
check("coroutine", function() return coroutine.wrap(function() task.sleep(3600000) end)() end)
check("channel", function() return task.channel():recv() end)
check("host wait", function() return listener:accept() end)
check("handler inside a coroutine", function() return task.channel():recv() end, true)

forever:abort()
listener:close()
print("ok")
