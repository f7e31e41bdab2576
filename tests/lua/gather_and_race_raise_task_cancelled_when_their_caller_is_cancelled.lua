-- args: --virtual-time
-- A cancel of the task that called gather or race reaches every function's
-- task through the scope; the call raises `task cancelled` once they are
-- done, and a gather started under a cancelled token raises at once.
local task = std.task
for _, combinator in ipairs({ task.gather, task.race }) do
  local finished = 0
  local ok, err
  task.scope(function(s)
    s:spawn(function()
      ok, err = pcall(combinator, {
        function() local c <close> = setmetatable({}, { __close = function() finished = finished + 1 end }); task.sleep(1000) end,
        function() local c <close> = setmetatable({}, { __close = function() finished = finished + 1 end }); task.sleep(2000) end,
      })
    end)
    task.sleep(10)
    s:cancel()
  end)
  assert(not ok and task.is_cancelled(err), tostring(err))
  assert(finished == 2)
end
local ran = false
task.scope(function(s)
  s:cancel()
  local ok, err = pcall(task.gather, { function() ran = true end })
  assert(not ok and task.is_cancelled(err))
end)
assert(not ran)
print("ok")
