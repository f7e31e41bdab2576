-- db:exec_many(sql, rows) runs one statement once per row of parameters
-- in one trip to the worker and in one savepoint: every row happens or
-- none does. A failing row names itself and undoes the rows before it; a
-- cancellation, the per-statement timeout (which covers the whole batch)
-- and a hard abort each leave no row of the batch, and the connection
-- answers afterwards. Inside db:transaction only the batch is undone.
local task, sql = std.task, std.sql
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
local temp_db = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/temp_db.lua")
local path, cleanup = temp_db()
local slack = 0.5
local db = sql.open(path)
db:exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
local function count() return db:query("SELECT count(*) AS c FROM t")[1].c end

-- positional rows
local rows = {}
for i = 1, 1000 do rows[i] = { i, "v" .. i } end
local r = db:exec_many("INSERT INTO t (id, v) VALUES (?, ?)", rows)
assert(r.affected == 1000 and r.last_id == 1000, r.affected)
assert(count() == 1000 and db:query("SELECT v FROM t WHERE id = 777")[1].v == "v777")
-- named rows; nil leaves a parameter NULL; no rows does nothing
r = db:exec_many("INSERT INTO t (id, v) VALUES (:id, :v)", { { id = 1001, v = "a" }, { id = 1002 } })
assert(r.affected == 2 and r.last_id == 1002)
assert(db:query("SELECT v FROM t WHERE id = 1002")[1].v == sql.null)
assert(db:exec_many("DELETE FROM t WHERE id = ?", {}).affected == 0)
assert(db:exec_many("DELETE FROM t WHERE id > ?", { { 1000 } }).affected == 2)

-- a failing row: its number, SQLite's code, and none of the batch's rows
local ok, err = pcall(db.exec_many, db, "INSERT INTO t (id, v) VALUES (?, ?)",
                      { { 2001, "x" }, { 2002, "y" }, { 5, "dup" }, { 2003, "z" } })
assert(not ok and err.kind == "io" and err.code == "SQLITE_CONSTRAINT" and err.op == "sql.exec_many", tostring(err))
assert(tostring(err.message):find("sql error: row 3: UNIQUE constraint failed", 1, true), err.message)
assert(count() == 1000)
expect_error("row 2: wrong number of parameters: got 1, needed 2", db.exec_many, db,
             "INSERT INTO t (id, v) VALUES (?, ?)", { { 3001, "a" }, { 3002 } })
assert(count() == 1000)

-- bad input, before anything runs
expect_error("sql.exec_many: row 2: unsupported SQL param type: table", db.exec_many, db, "SELECT ?", { { 1 }, { {} } })
expect_error("sql.exec_many: row 2: expected a table of parameters, got number", db.exec_many, db, "SELECT ?", { { 1 }, 2 })
expect_error("sql.exec_many: row 1: SQL param #1 is non-finite", db.exec_many, db, "SELECT ?", { { 0 / 0 } })
expect_error("(table expected, got no value)", db.exec_many, db, "SELECT 1")
expect_error("multiple statements provided", db.exec_many, db, "SELECT ?; SELECT 2", { { 1 } })

-- inside a transaction: a failed batch is undone, the transaction goes on
db:transaction(function()
  db:exec("INSERT INTO t (id, v) VALUES (4001, 'kept')")
  local ok2 = pcall(db.exec_many, db, "INSERT INTO t (id, v) VALUES (?, ?)", { { 4002, "x" }, { 1, "dup" } })
  assert(not ok2)
  db:exec_many("INSERT INTO t (id, v) VALUES (?, ?)", { { 4003, "y" } })
end)
assert(count() == 1002 and #db:query("SELECT id FROM t WHERE id = 4002") == 0)
-- and a transaction that raises takes its batches with it
pcall(db.transaction, db, function()
  db:exec_many("INSERT INTO t (id, v) VALUES (?, ?)", { { 5001, "x" }, { 5002, "y" } })
  error("no")
end)
assert(count() == 1002)

-- a slow row (about 10 ms each): a batch of 200 outlasts every deadline below
local slow = [[INSERT INTO t (id, v) SELECT ?, count(*) FROM
  (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT x FROM c)]]
local slow_rows = {}
for i = 1, 200 do slow_rows[i] = { 10000 + i } end

local started = std.time.monotonic()
ok, err = pcall(task.with_timeout, 50, function() return db:exec_many(slow, slow_rows) end)
assert(not ok and err.kind == "timeout", tostring(err))
assert(std.time.monotonic() - started < 0.05 + slack, "the cancelled batch ran on")
assert(count() == 1002, "the cancelled batch left rows: " .. count())

local h = task.spawn(function() return db:exec_many(slow, slow_rows) end)
task.sleep(30)
h:abort()
assert(count() == 1002, "the aborted batch left rows: " .. count())  -- waits for the undo

local quick = sql.open(path, { timeout_ms = 50 })
ok, err = pcall(quick.exec_many, quick, slow, slow_rows)
assert(not ok and err.kind == "timeout" and err.message == "sql.exec_many timeout (50ms)", tostring(err))
assert(count() == 1002)
quick:close()

-- the connection is outside any transaction again: another one sees the rows
db:exec_many("INSERT INTO t (id, v) VALUES (?, ?)", { { 6001, "last" } })
local other <close> = sql.open(path)
assert(other:query("SELECT v FROM t WHERE id = 6001")[1].v == "last")
db:close()
cleanup()
print("ok")
