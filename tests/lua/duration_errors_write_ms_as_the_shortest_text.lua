-- <ms> in duration messages is the shortest text that reads back to the
-- same number, without a trailing ".0".
local task = std.task
local function ms_text(fn)
  local ok, err = pcall(fn)
  assert(not ok, "expected an error")
  local s = tostring(err)
  local text = s:match("%(ms=([^,)]*)")
  assert(text, "no (ms=...) in " .. s)
  return text
end
local exact = {
  [-1] = "-1", [-0.5] = "-0.5", [-10.5] = "-10.5", [-0.1] = "-0.1",
  [-100] = "-100", [-1.25] = "-1.25", [-123456.75] = "-123456.75",
}
for v, want in pairs(exact) do
  local got = ms_text(function() task.sleep(v) end)
  assert(got == want, ("sleep(%.17g): got ms=%s, want %s"):format(v, got, want))
  got = ms_text(function() task.with_timeout(v, function() end) end)
  assert(got == want, ("with_timeout(%.17g): got ms=%s, want %s"):format(v, got, want))
  got = ms_text(function() task.with_timeout(5, function() end, { grace_ms = v }) end)
  assert(got == want, ("grace_ms=%.17g: got ms=%s, want %s"):format(v, got, want))
end
-- floats that print long under %.17g must still read back exactly and
-- be no longer than needed
for _, v in ipairs({ -0.3, -1 / 3, -2 / 3 * 1e-5, -1e-300, -1e300, -5e-324 }) do
  local got = ms_text(function() task.sleep(v) end)
  assert(tonumber(got) == v, ("ms=%s does not read back as %.17g"):format(got, v))
  local shortest
  for digits = 1, 17 do
    local s = ("%." .. digits .. "g"):format(v)
    if tonumber(s) == v then shortest = s; break end
  end
  local function significant(s)  -- significant digits, whatever the notation
    local digits = s:lower():gsub("e.*$", ""):gsub("[^%d]", "")
    return (digits:gsub("^0+", ""):gsub("0+$", ""))
  end
  assert(#significant(got) <= #significant(shortest),
    ("ms=%s is longer than the shortest form %s"):format(got, shortest))
end
-- the same rule in the timeout message: integral floats lose ".0"
local ok, err = pcall(task.with_timeout, 20.0, function() task.sleep(10000) end)
assert(not ok and tostring(err) == "task.with_timeout: exceeded 20 ms", tostring(err))
ok, err = pcall(task.with_timeout, 0.5, function() task.sleep(10000) end)
assert(not ok and tostring(err) == "task.with_timeout: exceeded 0.5 ms", tostring(err))
ok, err = pcall(task.with_timeout, 10.5, function() task.sleep(10000) end)
assert(not ok and tostring(err) == "task.with_timeout: exceeded 10.5 ms", tostring(err))
ok, err = pcall(task.with_timeout, 0.1, function() task.sleep(10000) end)
assert(not ok and tostring(err) == "task.with_timeout: exceeded 0.1 ms", tostring(err))
print("ok")
