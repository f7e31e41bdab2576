-- The __close handlers Lua leaves pending when a task fails, and those of
-- a coroutine the task closes, run as cleanup code: they cannot suspend,
-- yet a deadline that passes while they run fires from inside them (here
-- a with_timeout's, grace 0: cancel and hard abort at once), and that hard
-- abort does not cut them: cleanup that had started finishes. The
-- handlers spin on CPU time, which passes no faster than the clock, well
-- past the deadline. (The failed task's error is reported as never
-- joined: its joiner, the body, is aborted in the join.)
-- expect-stderr: failed and was never joined
local task = std.task

local function spin(seconds)
  local t0 = os.clock()
  while os.clock() - t0 < seconds do end
end

-- Returns whether the scope's token was cancelled when the handler ended,
-- and whether the handler ended.
local function run(child_body)
  local seen_cancelled, finished = nil, false
  pcall(task.with_timeout, 50, function(s)
    local token = s:token()
    local function handler()
      spin(0.3)
      seen_cancelled = token:is_cancelled()
      finished = true
    end
    local h = s:spawn(function() child_body(handler) end)
    pcall(h.join, h)
  end, {grace_ms = 0})
  return seen_cancelled, finished
end

-- A task that fails.
local cancelled, finished = run(function(handler)
  local c <close> = setmetatable({}, {__close = handler})
  error("fails")
end)
assert(cancelled, "the deadline did not fire while the failed task's __close handler ran")
assert(finished, "the hard abort cut the failed task's __close handler")

-- A task that closes a coroutine of its own.
cancelled, finished = run(function(handler)
  local co = coroutine.create(function()
    local c <close> = setmetatable({}, {__close = handler})
    coroutine.yield()
  end)
  coroutine.resume(co)
  coroutine.close(co)
end)
assert(cancelled, "the deadline did not fire while coroutine.close ran a __close handler")
assert(finished, "the hard abort cut the __close handler coroutine.close ran")
print("ok")
