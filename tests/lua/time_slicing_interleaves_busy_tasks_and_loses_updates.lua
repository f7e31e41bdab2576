-- With time slicing (--slice-ms 1) a busy task is suspended in the middle
-- of its statements so that the other runs: two tasks that read, add and
-- write a shared counter lose updates. This is why slicing is opt-in.
-- args: --slice-ms 1
local task = std.task
local n = 3000000
counter = 0
local function add()
  for _ = 1, n do
    local c = counter
    c = c + 1
    counter = c
  end
end
local a, b = task.spawn(add), task.spawn(add)
a:join()
b:join()
assert(counter < 2 * n, "no update was lost: the tasks were not interleaved")
print("ok")
