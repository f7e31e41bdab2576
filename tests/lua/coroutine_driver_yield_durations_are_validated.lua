-- coroutine.yield(ms) validates the duration with context "coroutine yield".
local task = std.task
local function failure(value)
  local h = task.spawn(function() coroutine.yield(value); return "went on" end, { driver = "coroutine" })
  local ok, err = pcall(function() return h:join() end)
  assert(not ok, "coroutine.yield(" .. tostring(value) .. ") must fail the task")
  return tostring(err)
end
local cases = {
  { 0 / 0, "coroutine yield: invalid duration (ms=NaN)" },
  { math.huge, "coroutine yield: invalid duration (ms=inf)" },
  { -math.huge, "coroutine yield: invalid duration (ms=-inf)" },
  { -1, "coroutine yield: invalid duration (ms=-1)" },
  { -0.5, "coroutine yield: invalid duration (ms=-0.5)" },
  { 2e13, "coroutine yield: duration out of range (ms=" },
  { 2e13, ", max≈1.845e13)" },
}
for _, c in ipairs(cases) do
  local got = failure(c[1])
  assert(got:find(c[2], 1, true), ("%s: got %q"):format(c[2], got))
end
print("ok")
