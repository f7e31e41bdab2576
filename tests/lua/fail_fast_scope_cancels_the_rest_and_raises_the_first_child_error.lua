-- args: --virtual-time
-- task.scope(fn, { fail_fast = true }): the first child that fails with a
-- real error cancels the scope (body and siblings), the scope waits for
-- every child and raises that error unchanged, joined or not. A body
-- error raised first wins; cancellations are no failure; without the
-- option a failed child cancels nothing (the reference's behaviour).
local task = std.task
local boom = setmetatable({}, { __tostring = function() return "boom" end })

-- the first error, unchanged, after the siblings' cleanup
local cleaned, body_saw = false, nil
local t0 = std.time.monotonic()
local ok, err = pcall(task.scope, function(s)
  s:spawn(function()
    pcall(function()  -- where Lua can yield, so the cleanup may suspend
      local c <close> = setmetatable({}, { __close = function()
        task.shield(function() task.sleep(5) end)
        cleaned = true
      end })
      task.sleep(1000)
    end)
  end)
  s:spawn(function() task.sleep(10); error(boom) end)
  s:spawn(function() task.sleep(20); error("second", 0) end)
  local ok2, e2 = pcall(task.sleep, 1000)
  body_saw = (not ok2) and task.is_cancelled(e2)
end, { fail_fast = true })
assert(not ok and rawequal(err, boom), "the first child error, unchanged: " .. tostring(err))
assert(cleaned, "the cancelled sibling's cleanup finished before the scope returned")
assert(body_saw, "the body saw task cancelled")
assert(math.floor((std.time.monotonic() - t0) * 1000 + 0.5) == 15, "returned after the 5 ms cleanup; the later failure never ran")

-- joining the failed child does not change it; a name works too
ok, err = pcall(task.scope, "named", function(s)
  local h = s:spawn(function() error("joined failure", 0) end)
  local jok, jerr = pcall(h.join, h)
  assert(not jok and jerr == "joined failure")
  return "body value"
end, { fail_fast = true })
assert(not ok and err == "joined failure", tostring(err))

-- the body raising first: its error
ok, err = pcall(task.scope, function(s)
  s:spawn(function() task.sleep(10); error("child", 0) end)
  error("body first", 0)
end, { fail_fast = true })
assert(not ok and err == "body first", tostring(err))

-- a child that is cancelled is no failure: the body's values come back
local values = table.pack(task.scope(function(s)
  s:spawn(function()  -- ends with task cancelled, from a scope of its own
    task.scope(function(inner) inner:cancel(); task.sleep(10) end)
  end)
  return 1, 2
end, { fail_fast = false }))
assert(values.n == 2)
values = table.pack(task.scope(function(s)
  s:spawn(function()
    task.scope(function(inner) inner:cancel(); task.sleep(10) end)
  end)
  task.sleep(20)
  return 1, 2
end, { fail_fast = true }))
assert(values.n == 2 and values[1] == 1 and values[2] == 2)

-- fail_fast = false (the default): a failed child cancels nothing
local finished = false
ok, err = pcall(task.scope, function(s)
  s:spawn(function() error("lonely", 0) end)
  s:spawn(function() task.sleep(10); finished = true end)
end, { fail_fast = false })
assert(ok, tostring(err))
assert(finished, "without fail_fast the sibling ran to its end")

-- nested under a deadline
ok, err = pcall(task.with_timeout, 100, function()
  return task.scope(function(s)
    s:spawn(function() error("inner", 0) end)
    task.sleep(1000)
  end, { fail_fast = true })
end)
assert(not ok and err == "inner", tostring(err))

-- misuse
local function text(...)
  local ok3, e = pcall(task.scope, ...)
  assert(not ok3)
  return tostring(e)
end
assert(text(function() end, { x = 1 }) == "task.scope: unknown opts key 'x' (expected 'fail_fast' or 'token')")
assert(text(function() end, { [1] = true }) == "task.scope: opts keys must be strings, got integer")
assert(text(function() end, { fail_fast = 1 }) == "task.scope: opts.fail_fast must be a boolean, got integer")
assert(text("n", function() end, { token = {} }) == "task.scope: opts.token must be a CancelToken, got table")
print("ok")
