-- Inside coroutine.wrap generators, std.task suspension suspends the whole
-- task and the generator continues where it was; coroutine.yield inside the
-- generator still goes to the generator's caller, in both drivers.
local task = std.task
local function body()
  local gen = coroutine.wrap(function(n)
    for i = 1, n do
      task.sleep(5)
      local inner = coroutine.wrap(function()
        task.yield()
        coroutine.yield(i * 10)
        task.checkpoint()
        coroutine.yield(i * 10 + 1)
      end)
      coroutine.yield(inner() + inner())
    end
    return "end"
  end)
  local got = { gen(3) }
  for _ = 1, 3 do got[#got + 1] = gen() end
  return table.concat(got, ",")
end
for _, driver in ipairs({ "async_fn", "coroutine" }) do
  -- two tasks at once, so that their generators interleave
  local a = task.spawn(body, { driver = driver })
  local b = task.spawn(body, { driver = driver })
  local ra, rb = a:join(), b:join()
  assert(ra == "21,41,61,end", driver .. ": " .. ra)
  assert(rb == ra, driver .. ": the second task got " .. rb)
  assert(a:elapsed() >= 14, driver .. ": the sleeps did not happen")
end
-- under the coroutine driver a number yielded inside a generator is a value, not a sleep
local h = task.spawn(function()
  local gen = coroutine.wrap(function() coroutine.yield(5000); coroutine.yield("x") end)
  local t0 = std.time.monotonic()
  local v1, v2 = gen(), gen()
  return v1, v2, std.time.monotonic() - t0
end, { driver = "coroutine" })
local v1, v2, took = h:join()
assert(v1 == 5000 and v2 == "x" and took < 1, tostring(v1) .. " " .. tostring(v2) .. " " .. tostring(took))
print("ok")
