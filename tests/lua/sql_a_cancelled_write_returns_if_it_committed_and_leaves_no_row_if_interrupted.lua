-- Cancel safety of a write: a statement the cancellation interrupted (or
-- took out of the queue) raises `task cancelled` and left no row; one that
-- had committed before the cancellation reached it returns as usual, and
-- the task meets the cancellation at its next suspension point.
-- args: --slice-ms 0
-- (No preemption: the main chunk below holds the loop in a busy loop
-- while the worker commits, so the cancel arrives after the commit and
-- before the loop hears of it.)
local task, sql = std.task, std.sql
local temp_db = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/temp_db.lua")
local path, cleanup = temp_db()
local db <close> = sql.open(path, {timeout_ms = 0})
db:exec("CREATE TABLE t (v TEXT)")
local function rows(v) return db:query("SELECT count(*) AS c FROM t WHERE v = ?", {v})[1].c end

-- Interrupted: an INSERT whose SELECT would run for minutes, and one
-- queued behind it on the same connection.
local slow = [[INSERT INTO t (v)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000)
  SELECT 'slow' FROM c WHERE x = 1000000000]]
local seen = {}
task.scope(function(s)
  s:spawn(function()
    local ok, err = pcall(db.exec, db, slow)
    seen.running = ok or err
  end)
  s:spawn(function()
    local ok, err = pcall(db.exec, db, "INSERT INTO t (v) VALUES ('queued')")
    seen.queued = ok or err
  end)
  task.sleep(20)
  s:cancel()
end)
assert(task.is_cancelled(seen.running), "the running INSERT: " .. tostring(seen.running))
assert(task.is_cancelled(seen.queued), "the queued INSERT: " .. tostring(seen.queued))
assert(rows("slow") == 0 and rows("queued") == 0, "an interrupted INSERT left a row")

-- Committed: the cancel comes once the worker has written the commit to
-- the write-ahead log, which the main chunk watches without suspending.
-- Until then another process (python3's sqlite3) holds the write lock, so
-- the INSERT waits in SQLite's busy handler and cannot commit before the
-- watch begins.
local function wal_size()
  local f = assert(io.open(path .. "-wal", "rb"))
  local size = f:seek("end")
  f:close()
  return size
end
local ready = path .. ".locked"
local locker = assert(io.popen(("exec python3 -c '%s' '%s' '%s'"):format(table.concat({
  "import sqlite3, sys",
  "db = sqlite3.connect(sys.argv[1], isolation_level=None)",
  "db.execute(\"BEGIN IMMEDIATE\")",
  "open(sys.argv[2], \"w\").close()",
  "sys.stdin.readline()",
  "db.execute(\"COMMIT\")",
}, "; "), path, ready), "w"))
local deadline = std.time.monotonic() + 10
while not io.open(ready) and std.time.monotonic() < deadline do task.sleep(10) end
assert(io.open(ready), "the locking process did not start")
local result = {}
local started = false
task.scope(function(s)
  s:spawn(function()
    started = true
    result.ok, result.value = pcall(db.exec, db, "INSERT INTO t (v) VALUES ('committed')")
    local ok, err = pcall(task.sleep, 0)
    result.next_ok, result.next_err = ok, err
  end)
  while not started do task.yield() end  -- the task now waits for its statement
  local before = wal_size()
  locker:write("\n")
  locker:flush()  -- the lock goes: the INSERT commits
  deadline = std.time.monotonic() + 10
  while wal_size() == before and std.time.monotonic() < deadline do end
  assert(wal_size() > before, "the INSERT did not commit within 10 s")
  s:cancel()
end)
locker:close()
os.remove(ready)
assert(result.ok, "a committed INSERT raised: " .. tostring(result.value))
assert(result.value.affected == 1, "exec returns what it changed")
assert(not result.next_ok and task.is_cancelled(result.next_err), "the next suspension raises task cancelled")
assert(rows("committed") == 1)

db:close()
cleanup()
print("ok")
