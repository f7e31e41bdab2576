-- A producer/consumer pipeline over bounded channels, cancelled as a whole
-- on the first error.
--
--   build/lua-batteries examples/pipeline.lua
--
-- produce -> parse (3 workers) -> total. Each stage is a task of one
-- fail-fast gather: a bad record makes its parser raise, which cancels
-- every other stage (a sender blocked on a full channel included) and
-- re-raises that error once they have all stopped.
local task = std.task

local function run(records)
  local raw = task.channel(8)     -- bounded: the producer waits when parsers lag
  local parsed = task.channel(8)
  local total = 0
  local stages = {
    function()  -- producer
      for _, r in ipairs(records) do raw:send(r) end
      raw:close()
    end,
    function()  -- consumer
      for n in parsed:iter() do total = total + n end
    end,
  }
  local parsers_left = 3
  for _ = 1, 3 do
    stages[#stages + 1] = function()
      for r in raw:iter() do
        local n = tonumber(r)
        if not n then error("bad record: " .. r, 0) end
        parsed:send(n)
      end
      parsers_left = parsers_left - 1
      if parsers_left == 0 then parsed:close() end
    end
  end
  task.gather(stages)
  return total
end

local good = {}
for i = 1, 100 do good[i] = tostring(i) end
print("pipeline: total " .. run(good))
assert(run(good) == 5050)

local bad = {}
for i = 1, 1000 do bad[i] = tostring(i) end
bad[50] = "fifty"
local ok, err = pcall(run, bad)
print("pipeline: stopped on the first error: " .. tostring(err))
assert(not ok and err == "bad record: fifty")
