-- args: --virtual-time
-- gather is fail-fast: the first function that raises cancels the others
-- (those not yet started never start), the call waits for them to finish,
-- __close handlers included (also ones that suspend, shielded), and
-- re-raises that error unchanged. race returns once the others are
-- cancelled and done.
local task = std.task
local closed = {}
local function sibling(name)
  return function()
    local c <close> = setmetatable({}, { __close = function()
      task.shield(function() task.sleep(5) end)  -- an asynchronous cleanup
      closed[#closed + 1] = name
    end })
    task.sleep(1000)
  end
end

local boom = setmetatable({}, { __tostring = function() return "boom" end })
local never_started = true
local ok, err = pcall(task.gather, {
  sibling("a"),
  function() task.sleep(10); error(boom) end,
  sibling("b"),
  function() never_started = false end,
}, { concurrency = 3 })
assert(not ok and rawequal(err, boom), "the error itself, unchanged: " .. tostring(err))
table.sort(closed)
assert(table.concat(closed, ",") == "a,b", "both cleanups finished before gather returned")
assert(never_started, "a function not started when the first error came never starts")

-- race: the first to return wins, the others are cancelled and awaited
closed = {}
local t0 = std.time.monotonic()
local results = table.pack(task.race({
  sibling("x"),
  function() task.sleep(20); return "won", nil, 3 end,
  sibling("y"),
}))
assert(results.n == 4 and results[1] == 2 and results[2] == "won" and results[3] == nil and results[4] == 3)
table.sort(closed)
assert(table.concat(closed, ",") == "x,y")
assert(math.floor((std.time.monotonic() - t0) * 1000 + 0.5) == 25, "returned after the 5 ms cleanups")

-- race: an error before any returned is re-raised, after the others are done
closed = {}
ok, err = pcall(task.race, { sibling("p"), function() task.sleep(1); error("early", 0) end })
assert(not ok and err == "early" and closed[1] == "p")
print("ok")
