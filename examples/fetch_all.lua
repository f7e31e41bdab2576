-- Fetches every URL given on the command line at once, all under one
-- deadline, and prints a summary table: status, size and time of each,
-- or why it failed, or that the deadline cut it.
--
--   lua-batteries examples/fetch_all.lua [--deadline-ms N] URL...
local task, http = std.task, std.http

local deadline_ms, urls = 5000, {}
local i = 1
while i <= #arg do
  if arg[i] == "--deadline-ms" then
    deadline_ms = assert(tonumber(arg[i + 1]), "--deadline-ms needs a number")
    i = i + 1
  else
    urls[#urls + 1] = arg[i]
  end
  i = i + 1
end
if #urls == 0 then
  io.stderr:write("usage: lua-batteries examples/fetch_all.lua [--deadline-ms N] URL...\n")
  os.exit(1)
end

local results = {}
local started = std.time.monotonic()
-- Every fetch runs in the deadline's scope; at the deadline the ones
-- still running are cancelled (their transfers removed at once).
pcall(task.with_timeout, deadline_ms, function()
  for n, url in ipairs(urls) do
    task.spawn(function()
      local t0 = std.time.monotonic()
      local ok, r = pcall(http.get, url)
      local ms = (std.time.monotonic() - t0) * 1000
      if ok then
        results[n] = {status = tostring(r.status), bytes = #r.body, ms = ms}
      elseif task.is_cancelled(r) then
        results[n] = {status = "deadline", bytes = 0, ms = ms}
      else
        results[n] = {status = "error", bytes = 0, ms = ms, why = tostring(r)}
      end
    end)
  end
end)

local counts = {ok = 0, failed = 0, cut = 0}
print(("%-4s %-48s %-9s %9s %9s"):format("#", "url", "status", "bytes", "ms"))
for n, url in ipairs(urls) do
  local r = results[n] or {status = "deadline", bytes = 0, ms = deadline_ms}
  print(("%-4d %-48s %-9s %9d %9.1f"):format(n, url:sub(1, 48), r.status, r.bytes, r.ms))
  if r.why then print("     " .. r.why) end
  if r.status == "deadline" then counts.cut = counts.cut + 1
  elseif r.status == "error" then counts.failed = counts.failed + 1
  else counts.ok = counts.ok + 1 end
end
print(("fetched %d urls in %.0f ms: %d answered, %d failed, %d cut by the %d ms deadline"):format(
  #urls, (std.time.monotonic() - started) * 1000, counts.ok, counts.failed, counts.cut, deadline_ms))
