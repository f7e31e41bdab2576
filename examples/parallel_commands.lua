-- parallel_commands.lua - run shell commands a few at a time, each under
-- its own timeout, and print a summary table.
--
--   build/lua-batteries examples/parallel_commands.lua [WIDTH]
--
-- WIDTH workers (default 4) take commands from one list in turn. Each
-- command runs with std.process.run under std.task.with_timeout: a command
-- that overruns is terminated with its whole process group (SIGTERM, then
-- SIGKILL after the grace) and reaped before its row is written, so no
-- process outlives the script. The other tasks go on meanwhile: the list
-- takes about as long as its slowest lane, not the sum of its commands.
local task, process, time = std.task, std.process, std.time

local width = tonumber((...)) or 4

-- command, timeout (ms)
local COMMANDS = {
  { "sleep 0.2; echo compiled", 2000 },
  { "sleep 0.1; echo 'tests: 42 passed'", 2000 },
  { "echo 'lint: 1 warning' >&2; exit 1", 2000 },
  { "sleep 0.3; echo packaged", 2000 },
  { "sleep 30 & sleep 31", 400 },  -- overruns: the group is terminated
  { "nosuch-command-xyz", 2000 },
  { "sleep 0.15; uname -s", 2000 },
  { "sleep 0.25; echo documented", 2000 },
}

local results = {}
local next_index = 0
local started = time.monotonic()

local function run_one(i)
  local cmd, timeout = COMMANDS[i][1], COMMANDS[i][2]
  local t0 = time.monotonic()
  local ok, r = pcall(task.with_timeout, timeout, function()
    return process.run(cmd, { kill_grace_ms = 200 })
  end)
  local row = { cmd = cmd, ms = (time.monotonic() - t0) * 1000 }
  if ok then
    row.status = r.code == 0 and "ok" or ("exit " .. tostring(r.code or r.signal))
    row.output = (r.stdout ~= "" and r.stdout or r.stderr):gsub("\n$", ""):gsub("\n", " / ")
  elseif type(r) ~= "string" and r.kind == "timeout" then
    row.status, row.output = "timeout", ("terminated after %d ms"):format(timeout)
  else
    row.status, row.output = "error", tostring(r)
  end
  results[i] = row
end

task.scope(function(s)
  for _ = 1, width do
    s:spawn(function()
      while next_index < #COMMANDS do
        next_index = next_index + 1  -- no other task runs between these lines
        run_one(next_index)
      end
    end)
  end
end)

print(("%-3s %-36s %-8s %7s  %s"):format("#", "command", "status", "ms", "output"))
local failed = 0
for i, row in ipairs(results) do
  if row.status ~= "ok" then failed = failed + 1 end
  print(("%-3d %-36s %-8s %7.0f  %s"):format(i, row.cmd, row.status, row.ms, row.output))
end
print(("%d commands, %d wide: %d ok, %d not, %.1f s in all"):format(
  #COMMANDS, width, #COMMANDS - failed, failed, time.monotonic() - started))
