-- The runner warns about a task failure nobody joined, and about nothing
-- else: a joined failure, a cancelled or aborted task, and a failure of
-- user code caught in the task stay silent. Runs the runner (arg[-1]) on
-- small chunks and reads their stderr.
local runner = arg and arg[-1]
assert(runner, "the runner must provide arg[-1]")
local function stderr_of(chunk)
  local p = io.popen(("timeout 20 %q -e %q 2>&1 >/dev/null; echo \"status=$?\""):format(runner, chunk))
  local out = p:read("a")
  p:close()
  local body, status = out:match("^(.-)status=(%d+)%s*$")
  assert(status == "0", ("chunk %q exited %s: %s"):format(chunk, tostring(status), out))
  return body
end
local silent = {
  joined = "local h = std.task.spawn(function() error('fails') end); pcall(h.join, h)",
  joined_late = "local h = std.task.spawn(function() error('fails') end); std.task.sleep(10); pcall(h.join, h)",
  joined_in_scope = "std.task.scope(function(s) local h = s:spawn(function() std.task.yield(); error('fails') end); pcall(h.join, h) end)",
  cancelled = "std.task.scope(function(s) s:spawn(function() std.task.sleep(100000) end); std.task.yield(); s:cancel() end)",
  aborted = "local h = std.task.spawn(function() std.task.sleep(100000) end); std.task.yield(); h:abort()",
  caught = "std.task.spawn(function() pcall(error, 'caught') end)",
  timed_out = "pcall(std.task.with_timeout, 5, function(s) s:spawn(function() std.task.sleep(100000) end) end)",
}
for label, chunk in pairs(silent) do
  local err = stderr_of(chunk)
  assert(err == "", label .. " printed on stderr: " .. err)
end
local loud = stderr_of("std.task.spawn(function() error('never-joined-failure-64') end)")
assert(loud:find("never-joined-failure-64", 1, true), "the unjoined failure was not reported: " .. loud)
print("ok")
