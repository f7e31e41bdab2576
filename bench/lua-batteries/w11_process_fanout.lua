-- W11 process_fanout: run `true` N times, K at a time.
--   lua-batteries w11_process_fanout.lua N K
local task, process, time = std.task, std.process, std.time
local n = assert(tonumber(arg[1]), "usage: w11_process_fanout.lua N K")
local k = assert(tonumber(arg[2]), "usage: w11_process_fanout.lua N K")

-- No pipes, as the peers (asyncio inherits, Node ignores the output).
local NO_OUTPUT = { stdout = "null", stderr = "null" }
local started, failed = 0, 0
local start = time.monotonic()
task.scope(function(s)
  for _ = 1, k do
    s:spawn(function()
      while started < n do
        started = started + 1
        if process.run({ "true" }, NO_OUTPUT).code ~= 0 then failed = failed + 1 end
      end
    end)
  end
end)
local seconds = time.monotonic() - start
assert(failed == 0)
print(string.format("RESULT seconds=%.9f", seconds))
