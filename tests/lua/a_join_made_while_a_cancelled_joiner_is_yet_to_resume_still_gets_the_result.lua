-- args: --virtual-time
-- A joiner whose wait was cancelled gives the handle up at once; another
-- fiber may join before the cancelled one resumes, and that join must
-- still be woken when the task finishes.
local task = std.task
local h = task.spawn(function()
  task.sleep(20)
  return "result"
end)
local waiting = false
local first_error
local first_scope
task.spawn(function()
  task.scope(function(s)
    first_scope = s
    waiting = true
    local ok, err = pcall(h.join, h)
    assert(not ok)
    first_error = err
  end)
end)
while not waiting do task.yield() end
-- The first joiner is now suspended in join: cancel it and, in the same
-- turn, before it resumes, join from the main chunk.
first_scope:cancel()
local ok, value = pcall(h.join, h)
assert(ok, value)
assert(value == "result", tostring(value))
assert(task.is_cancelled(first_error), tostring(first_error))
print("ok")
