-- expect_error(want, fn, ...): fn(...) must raise an error whose text
-- contains `want` (plain text). Loaded by the tests with
--   local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
return function(want, fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error containing: " .. want)
  local s = tostring(err)
  assert(s:find(want, 1, true), ("error %q does not contain %q"):format(s, want))
end
