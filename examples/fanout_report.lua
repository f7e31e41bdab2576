-- fanout_report.lua - fetch twelve data sources concurrently under one
-- deadline and print a report of what came back.
--
--   build/lua-batteries examples/fanout_report.lua
--
-- Each source is a task that "downloads" its records (a std.task.sleep
-- stands in for the network). The whole fan-out runs under
-- std.task.with_timeout: sources still running at the deadline are
-- cancelled, get a grace window to clean up (their `<close>` handlers log
-- it), and the report marks them as cancelled. One source fails; a
-- watcher task joins it and the report shows its error. Latencies are
-- fixed, so the order of events and of the report is the same on every run.
local task, time = std.task, std.time

local DEADLINE_MS = 900
local GRACE_MS = 250

-- name, simulated latency (ms), records returned, bytes per record;
-- `fails` makes the source raise that error instead of returning records.
local SOURCES = {
  { name = "billing",      latency = 210,  records = 340,  width = 128 },
  { name = "crm",          latency = 95,   records = 1250, width = 96 },
  { name = "inventory",    latency = 430,  records = 560,  width = 200 },
  { name = "ledger",       latency = 1500, records = 2100, width = 64 },
  { name = "payments",     latency = 150,  fails = { status = 503, reason = "service unavailable" } },
  { name = "search-index", latency = 2400, records = 9000, width = 32 },
  { name = "shipping",     latency = 320,  records = 780,  width = 150 },
  { name = "support",      latency = 60,   records = 45,   width = 512 },
  { name = "analytics",    latency = 6000, records = 50000, width = 48 },
  { name = "users",        latency = 130,  records = 2300, width = 220 },
  { name = "warehouse",    latency = 760,  records = 410,  width = 180 },
  { name = "web-logs",     latency = 540,  records = 7200, width = 40 },
}

local started = time.monotonic()
local function log(fmt, ...)
  io.write(("[%5.0f ms] "):format((time.monotonic() - started) * 1000), fmt:format(...), "\n")
end

-- The error a failing source raises: a table, so the report can read its
-- fields; __tostring for humans.
local FetchError = {}
FetchError.__index = FetchError
FetchError.__tostring = function(e)
  return ("%s: upstream returned %d (%s)"):format(e.source, e.status, e.reason)
end

-- A connection to a source. Closing it is the cleanup every fetch does,
-- however the fetch ends; a connection still open at close time means the
-- fetch was interrupted by the deadline.
local Connection = {}
Connection.__index = Connection
Connection.__close = function(conn)
  if conn.state == "open" then
    log("%-12s cancelled at the deadline; connection closed, partial data dropped", conn.source)
  end
end

local function connect(source)
  return setmetatable({ source = source, state = "open" }, Connection)
end

-- Fetches one source and returns its records.
local function fetch(src)
  local conn <close> = connect(src.name)
  task.sleep(src.latency) -- the download; raises "task cancelled" at the deadline
  if src.fails then
    conn.state = "failed"
    error(setmetatable({ source = src.name, status = src.fails.status, reason = src.fails.reason }, FetchError))
  end
  local records = {}
  for i = 1, src.records do records[i] = { id = i, bytes = src.width } end
  conn.state = "done"
  return records
end

-- Fan out: one fetch task per source, and one watcher per fetch that joins
-- it as soon as it ends, so a failure is observed (and logged) right away.
local outcome, handles = {}, {}
local wall, ok, err = time.measure(pcall, task.with_timeout, DEADLINE_MS, function(s)
  for _, src in ipairs(SOURCES) do
    local h = s:spawn(function() return fetch(src) end, { name = src.name })
    handles[src.name] = h
    s:spawn(function()
      local jok, result = pcall(h.join, h)
      if jok then
        outcome[src.name] = { status = "ok", records = result }
        log("%-12s %d records", src.name, #result)
      elseif task.is_cancelled(result) then
        outcome[src.name] = { status = "cancelled" }
      else
        outcome[src.name] = { status = "failed", error = result }
        log("%-12s FAILED: %s", src.name, tostring(result))
      end
    end, { name = "watch " .. src.name })
  end
end, { grace_ms = GRACE_MS })

if ok then
  log("all sources answered before the %d ms deadline", DEADLINE_MS)
elseif type(err) == "userdata" and err.kind == "timeout" then
  log("deadline hit (%s); stragglers were cancelled", tostring(err))
else
  error(err, 0) -- a bug in this script, not a source failure
end

-- The report, sorted by source name.
local rows = {}
for _, src in ipairs(SOURCES) do
  local o = outcome[src.name] or { status = "cancelled" }
  local row = { source = src.name, status = o.status, latency = handles[src.name]:elapsed(),
                records = 0, bytes = 0, error = o.error }
  for _, r in ipairs(o.records or {}) do
    row.records = row.records + 1
    row.bytes = row.bytes + r.bytes
  end
  rows[#rows + 1] = row
end
table.sort(rows, function(a, b) return a.source < b.source end)

local function size(bytes)
  if bytes == 0 then return "-" end
  if bytes < 1024 * 1024 then return ("%.1f KiB"):format(bytes / 1024) end
  return ("%.2f MiB"):format(bytes / (1024 * 1024))
end

print()
print(("%-12s  %-9s  %9s  %8s  %10s"):format("source", "status", "latency", "records", "size"))
print(("%-12s  %-9s  %9s  %8s  %10s"):format(("-"):rep(12), ("-"):rep(9), ("-"):rep(9), ("-"):rep(8), ("-"):rep(10)))
local count = { ok = 0, failed = 0, cancelled = 0 }
local total_records, total_bytes = 0, 0
for _, row in ipairs(rows) do
  count[row.status] = count[row.status] + 1
  total_records = total_records + row.records
  total_bytes = total_bytes + row.bytes
  print(("%-12s  %-9s  %6.0f ms  %8s  %10s"):format(row.source, row.status, row.latency,
    row.status == "ok" and tostring(row.records) or "-", size(row.bytes)))
end
print()
print(("totals: %d sources: %d ok, %d failed, %d cancelled; %d records, %s in %.0f ms (deadline %d ms)")
  :format(#rows, count.ok, count.failed, count.cancelled, total_records, size(total_bytes), wall * 1000, DEADLINE_MS))
for _, row in ipairs(rows) do
  if row.status == "failed" then print("failed: " .. tostring(row.error)) end
end
