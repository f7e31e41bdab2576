-- Aborting a task that waits for its scope's children hard-aborts those
-- children: their joiners get "task aborted", their cleanups run, the
-- task's code after the scope never runs.
local task = std.task
local kids, closed, after, sleeping = {}, 0, false, 0
local h = task.spawn(function()
  task.scope(function(s)
    for i = 1, 3 do
      kids[i] = s:spawn(function()
        local g <close> = setmetatable({}, { __close = function() closed = closed + 1 end })
        sleeping = sleeping + 1
        task.sleep(100000)
      end)
    end
    -- the body returns; the task now waits for the children
  end)
  after = true
end)
-- Each yield lets every runnable task take one step (first in, first out).
while sleeping < 3 do task.yield() end
assert(not h:is_finished() and #kids == 3)
h:abort()
local ok, err = pcall(function() return h:join() end)
assert(not ok and tostring(err) == "task aborted", tostring(err))
assert(not after, "the task ran code after its scope")
assert(closed == 3, "children closed: " .. closed)
for i, k in ipairs(kids) do
  assert(k:is_finished(), "child " .. i .. " still alive")
  local kok, kerr = pcall(function() return k:join() end)
  assert(not kok and tostring(kerr) == "task aborted", "child " .. i .. ": " .. tostring(kerr))
end
print("ok")
