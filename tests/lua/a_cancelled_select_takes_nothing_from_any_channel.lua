-- args: --virtual-time
-- A select that raised `task cancelled` took nothing from any channel and
-- left every channel's queue; a value that reached it before the cancel,
-- in the same turn, is returned.
local task = std.task
local a, b = task.channel(), task.channel(2)

local function run(after)
  local result
  task.scope(function(s)
    local ss
    s:spawn(function()
      task.scope(function(sc)
        ss = sc
        local ok, i, v = pcall(task.select, { a, b })
        result = ok and (i .. "=" .. tostring(v)) or (task.is_cancelled(i) and "cancelled" or tostring(i))
      end)
    end)
    task.sleep(1)
    after(ss)
  end)
  return result
end

assert(run(function(ss) ss:cancel() end) == "cancelled")
assert(a:try_send("x") == false, "the select left a's queue")
assert(b:try_send("y") and b:len() == 1 and b:recv() == "y", "and b's")

assert(run(function(ss) b:send("v"); ss:cancel() end) == "2=v")
assert(b:len() == 0)
assert(run(function(ss) ss:cancel(); b:send("w") end) == "cancelled")
assert(b:len() == 1 and b:recv() == "w", "the value stayed in b")
assert(run(function(ss) ss:cancel(); assert(a:try_send("z") == false) end) == "cancelled")
print("ok")
