-- A tiny job log on SQLite: jobs run as tasks at the same time, and each
-- records its start and its end in the database, the end together with
-- its result in one transaction. Then the log is printed.
--
--   lua-batteries examples/notes.lua [DATABASE]      (default: a temporary file)
local task, sql = std.task, std.sql

local path = arg[1] or os.tmpname()
local db <close> = sql.open(path)
db:exec([[CREATE TABLE IF NOT EXISTS log (
            id INTEGER PRIMARY KEY, job TEXT NOT NULL, event TEXT NOT NULL, at REAL NOT NULL)]])
db:exec([[CREATE TABLE IF NOT EXISTS results (job TEXT PRIMARY KEY, value TEXT)]])

local function note(job, event)
  db:exec("INSERT INTO log (job, event, at) VALUES (:job, :event, :at)",
          {job = job, event = event, at = std.time.now()})
end

local function run_job(name, ms, fails)
  note(name, "started")
  task.sleep(ms)
  local ok, err = pcall(db.transaction, db, function()
    db:exec("INSERT OR REPLACE INTO results (job, value) VALUES (?, ?)", {name, ("%d ms of work"):format(ms)})
    if fails then error("job " .. name .. " failed") end
    note(name, "finished")
  end)
  if not ok then note(name, "failed: " .. tostring(err):match("([^:]*)$"):gsub("^%s+", "")) end
end

task.scope(function(s)
  s:spawn(function() run_job("backup", 30) end)
  s:spawn(function() run_job("report", 10) end)
  s:spawn(function() run_job("cleanup", 20, true) end)  -- its result is rolled back
end)

print(("%-4s %-8s %s"):format("id", "job", "event"))
for _, row in ipairs(db:query("SELECT id, job, event FROM log ORDER BY id")) do
  print(("%-4d %-8s %s"):format(row.id, row.job, row.event))
end
local kept = {}
for _, row in ipairs(db:query("SELECT job FROM results ORDER BY job")) do kept[#kept + 1] = row.job end
print("results kept: " .. table.concat(kept, ", "))
if not arg[1] then
  db:close()
  for _, suffix in ipairs({"", "-wal", "-shm"}) do os.remove(path .. suffix) end
end
