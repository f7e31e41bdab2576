-- By default (no time slicing) Lua code between two suspension points runs
-- without other Lua code of the same state in between: two busy tasks that
-- read, add and write a shared counter lose no update, however many
-- watchdog periods (10 ms of CPU each) they last.
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
local t0 = os.clock()
local a, b = task.spawn(add), task.spawn(add)
a:join()
b:join()
assert(os.clock() - t0 > 0.05, "too short to span several watchdog periods")
assert(counter == 2 * n, ("counter %d, expected %d"):format(counter, 2 * n))
print("ok")
