-- args: --virtual-time
-- gather's concurrency option bounds how many functions run at once;
-- later ones start in array order as earlier ones finish.
local task = std.task
local running, most, started = 0, 0, {}
local fns = {}
local durations = { 30, 10, 20, 5, 5, 40, 1, 1 }
for i, ms in ipairs(durations) do
  fns[i] = function()
    started[#started + 1] = i
    running = running + 1
    if running > most then most = running end
    task.sleep(ms)
    running = running - 1
    return i * 10
  end
end
local r = task.gather(fns, { concurrency = 3 })
assert(most == 3, "at most 3 at once, and 3 when there is work: " .. most)
assert(table.concat(started, ",") == "1,2,3,4,5,6,7,8", table.concat(started, ","))
for i = 1, #durations do assert(r[i] == i * 10) end
-- a bound above the number of functions is no bound
r = task.gather({ function() return 1 end }, { concurrency = 100 })
assert(r[1] == 1 and r.n == 1)
print("ok")
