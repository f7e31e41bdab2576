-- Durations above 2^64/10^6 ms are rejected with the value and the maximum,
-- in every place that takes a duration.
local task = std.task
local function range_error(ctx, value, fn)
  local ok, err = pcall(fn)
  assert(not ok, ctx .. ": " .. value .. " must be rejected")
  local s = tostring(err)
  local prefix = ctx .. ": duration out of range (ms="
  local at = s:find(prefix, 1, true)
  assert(at, ("error %q does not start with %q"):format(s, prefix))
  local text = s:match("^([^,]*), max≈1%.845e13%)", at + #prefix)
  assert(text, ("error %q lacks ', max≈1.845e13)'"):format(s))
  local back = tonumber(text)
  assert(back == value or back == value + 0.0, ("ms=%s does not read back as %.17g"):format(text, value))
  assert(not text:find("%.0$"), "integral value written with .0: " .. text)
end
for _, v in ipairs({ 2e13, 1e15, 1e300, 18446744073709.56, math.maxinteger }) do
  range_error("std.task.sleep", v, function() task.sleep(v) end)
  range_error("task.with_timeout", v, function() task.with_timeout(v, function() end) end)
  range_error("task.with_timeout: opts.grace_ms", v, function()
    task.with_timeout(10, function() end, { grace_ms = v })
  end)
  local h = task.spawn(function() coroutine.yield(v) end, { driver = "coroutine" })
  range_error("coroutine yield", v, function() return h:join() end)
end
-- just below the maximum is valid
assert(task.with_timeout(1.8e13, function() return "big but valid" end) == "big but valid")
assert(task.with_timeout(10, function() return "big grace" end, { grace_ms = 1.8e13 }) == "big grace")
print("ok")
