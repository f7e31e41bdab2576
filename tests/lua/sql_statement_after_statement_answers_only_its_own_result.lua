-- A connection reuses the jobs of its finished statements, and the runtime
-- the objects that waited for them: each statement still answers with its
-- own result only. A query after a failure, a cancellation, a big result
-- or an exec sees no row, column, count or error of the one before; an
-- error names its own cause. The per-statement timeout, whose timer is left running between
-- statements that come back to back, still stops a slow statement after
-- its full time, however many fast ones came before and after an idle
-- pause.
local task, sql = std.task, std.sql
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
local temp_db = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/temp_db.lua")
local path, cleanup = temp_db()
local db = sql.open(path)
db:exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)")

local function rows_of(sql_text, params)
  local rows = db:query(sql_text, params)
  local out = {}
  for i, row in ipairs(rows) do
    local cells = {}
    for k, v in pairs(row) do cells[#cells + 1] = k .. "=" .. tostring(v) end
    table.sort(cells)
    out[i] = table.concat(cells, ",")
  end
  return table.concat(out, ";")
end

-- exec, then query, then exec: each its own shape
local r = db:exec("INSERT INTO t (id, v) VALUES (?, ?)", { 1, "one" })
assert(r.affected == 1 and r.last_id == 1)
assert(rows_of("SELECT id, v FROM t") == "id=1,v=one")
r = db:exec("INSERT INTO t (id, v) VALUES (?, ?)", { 2, "two" })
assert(r.affected == 1 and r.last_id == 2)

-- a failure, then a success on the same text and on another
expect_error("UNIQUE constraint failed: t.v", db.exec, db, "INSERT INTO t (id, v) VALUES (?, ?)", { 3, "one" })
r = db:exec("INSERT INTO t (id, v) VALUES (?, ?)", { 3, "three" })
assert(r.affected == 1 and r.last_id == 3)
assert(rows_of("SELECT v FROM t WHERE id = ?", { 3 }) == "v=three")
-- two failures in a row: each with its own message
expect_error("no such table: nowhere", db.query, db, "SELECT * FROM nowhere")
expect_error("no such column: missing", db.query, db, "SELECT missing FROM t")
-- a query with no rows after one with rows, and columns of another query
assert(rows_of("SELECT id FROM t WHERE id = ?", { 99 }) == "")
assert(rows_of("SELECT count(*) AS n FROM t") == "n=3")

-- a big result (its buffers are not kept), then small ones
for i = 4, 300 do db:exec("INSERT INTO t (id, v) VALUES (?, ?)", { i, "v" .. i }) end
local big = db:query("SELECT id, v FROM t ORDER BY id")
assert(#big == 300 and big[300].id == 300 and big[300].v == "v300")
assert(rows_of("SELECT v FROM t WHERE id = ?", { 2 }) == "v=two")
r = db:exec("DELETE FROM t WHERE id > ?", { 3 })
assert(r.affected == 297, r.affected)

-- a statement cancelled while it runs, then the next one
local slow = [[WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000)
               SELECT count(*) AS n FROM c]]
local ok, err = pcall(task.with_timeout, 20, function() return db:query(slow) end)
assert(not ok and err.kind == "timeout", tostring(err))
assert(rows_of("SELECT v FROM t WHERE id = ?", { 1 }) == "v=one")

-- many tasks, each its own statements, in one connection's turn
local seen = {}
task.scope(function(s)
  for i = 1, 20 do
    s:spawn(function()
      local id = i % 3 + 1
      seen[i] = db:query("SELECT id, v FROM t WHERE id = ?", { id })[1].id == id
    end)
  end
end)
for i = 1, 20 do assert(seen[i], i) end

db:exec("UPDATE t SET v = ? WHERE id = ?", { "uno", 1 })
assert(rows_of("SELECT v FROM t WHERE id = 1") == "v=uno")
db:close()

-- the per-statement timeout after statements that came back to back
local timed <close> = sql.open(path, { timeout_ms = 100 })
for i = 1, 200 do assert(timed:query("SELECT ? AS i", { i })[1].i == i) end
local started = std.time.monotonic()
ok, err = pcall(timed.query, timed, slow)
local elapsed = std.time.monotonic() - started
assert(not ok and err.kind == "timeout" and tostring(err) == "sql.query timeout (100ms)", tostring(err))
assert(elapsed >= 0.1 and elapsed < 0.6, ("took %.3f s"):format(elapsed))
-- and after an idle pause longer than the timeout
task.sleep(150)
assert(timed:query("SELECT 1 AS one")[1].one == 1)
started = std.time.monotonic()
ok, err = pcall(timed.query, timed, slow)
elapsed = std.time.monotonic() - started
assert(not ok and err.kind == "timeout", tostring(err))
assert(elapsed >= 0.1 and elapsed < 0.6, ("took %.3f s"):format(elapsed))
assert(timed:query("SELECT 2 AS two")[1].two == 2)
cleanup()
print("ok")
