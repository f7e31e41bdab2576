-- policy-args: --max-memory 64
-- expect-exit: 1
-- expect-stderr: not enough memory
-- A script that allocates without end meets the 64 MB limit: Lua's
-- `not enough memory` error, the runner's exit status 1, a clean teardown.
local t, i = {}, 0
while true do
  i = i + 1
  t[i] = ("x"):rep(1000) .. i
end
