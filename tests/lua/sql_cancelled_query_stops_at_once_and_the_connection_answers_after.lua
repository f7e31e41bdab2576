-- A query running a recursive CTE that would take many seconds: cancelled
-- by with_timeout, it returns within a few ms of the deadline (the
-- statement is interrupted with sqlite3_interrupt, and the task waits
-- until SQLite has let go) and the connection then answers SELECT 1.
-- The per-statement timeout interrupts the same way and raises kind
-- "timeout" with the reference's text.
-- The query would run for minutes: the bounds below (the deadline plus
-- half a second) tell an interrupted statement from one left to run, with
-- room for a loaded machine and a sanitizer build.
local slack = 0.5
local task, sql = std.task, std.sql
local temp_db = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/temp_db.lua")
local path, cleanup = temp_db()
local slow = [[WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000)
               SELECT count(*) AS n FROM c]]

local db = sql.open(path, {timeout_ms = 0})
local started = std.time.monotonic()
local ok, err = pcall(task.with_timeout, 100, function() return db:query(slow) end)
local elapsed = std.time.monotonic() - started
assert(not ok and err.kind == "timeout", "with_timeout raised: " .. tostring(err))
assert(elapsed < 0.1 + slack, ("the cancelled query took %.3f s"):format(elapsed))
assert(db:query("SELECT 1 AS one")[1].one == 1)

-- a cancelled task's query: task cancelled, nothing else
local seen
started = std.time.monotonic()
task.scope(function(s)
  s:spawn(function()
    local ok2, err2 = pcall(db.query, db, slow)
    seen = err2
  end)
  task.sleep(20)
  s:cancel()
end)
assert(task.is_cancelled(seen), tostring(seen))
assert(std.time.monotonic() - started < 0.02 + slack)
assert(db:query("SELECT 2 AS two")[1].two == 2)

-- a hard abort leaves at once; the statement is interrupted behind it
local a = task.spawn(function() return db:query(slow) end)
task.sleep(20)
started = std.time.monotonic()
a:abort()
assert(db:query("SELECT 3 AS three")[1].three == 3)
assert(std.time.monotonic() - started < slack)

-- the per-statement timeout
local timed <close> = sql.open(path, {timeout_ms = 100})
started = std.time.monotonic()
ok, err = pcall(timed.query, timed, slow)
elapsed = std.time.monotonic() - started
assert(not ok and err.kind == "timeout" and err.op == "sql.query", tostring(err))
assert(tostring(err) == "sql.query timeout (100ms)", tostring(err))
assert(elapsed >= 0.1 and elapsed < 0.1 + slack, ("took %.3f s"):format(elapsed))
assert(timed:query("SELECT 4 AS four")[1].four == 4)
db:close()
cleanup()
print("ok")
