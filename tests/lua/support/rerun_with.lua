-- Runs the test script again under the same runner with extra options,
-- for behaviour that only an option turns on (time slicing: --slice-ms N).
-- Loaded by the tests with
--   if dofile(arg[0]:match("^(.-)[^/]*$") .. "support/rerun_with.lua")("--slice-ms", "10") then return end
-- Without those options it runs the script again with them (output and
-- stderr pass through), raises if that run failed, and returns true; in
-- the run with them it returns false and the test goes on.
return function(...)
  local wanted = table.concat({ ... }, " ")
  local first = -1
  while arg[first - 1] ~= nil do first = first - 1 end -- arg[first] is the runner
  local given = {}
  for i = first + 1, -1 do given[#given + 1] = arg[i] end
  if table.concat(given, " ") == wanted then return false end
  local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
  local command = { quote(arg[first]) }
  for _, option in ipairs({ ... }) do command[#command + 1] = quote(option) end
  command[#command + 1] = quote(arg[0])
  io.stdout:flush()
  local ok, how, status = os.execute(table.concat(command, " "))
  if not ok then error(("the run with %s failed (%s %s)"):format(wanted, how, status), 0) end
  return true
end
