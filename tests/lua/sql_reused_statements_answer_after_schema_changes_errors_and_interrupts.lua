-- A connection keeps its prepared statements for reuse (keyed by SQL
-- text): a statement run again sees the rows and the schema as they are
-- now, binds its new parameters (none left over from the last run), and
-- answers again after it failed or was interrupted; more distinct
-- statements than the connection keeps still all run. Closing the
-- connection finalizes them (the ASan build's leak check).
local task, sql = std.task, std.sql
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
local temp_db = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/temp_db.lua")
local path, cleanup = temp_db()
local db = sql.open(path)
db:exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")

-- the same text, new parameters each time
for i = 1, 50 do db:exec("INSERT INTO t (id, v) VALUES (?, ?)", { i, "v" .. i }) end
for i = 1, 50 do
  local rows = db:query("SELECT v FROM t WHERE id = ?", { i })
  assert(#rows == 1 and rows[1].v == "v" .. i)
end
-- named parameters: one left out is NULL, not the last run's value
db:exec("INSERT INTO t (id, v) VALUES (:id, :v)", { id = 100, v = "named" })
db:exec("INSERT INTO t (id, v) VALUES (:id, :v)", { id = 101 })
assert(db:query("SELECT v FROM t WHERE id = 101")[1].v == sql.null)
db:exec("DELETE FROM t WHERE id >= 100")

-- a schema change: SELECT * now has the new column
assert(db:query("SELECT * FROM t WHERE id = 1")[1].extra == nil)
db:exec("ALTER TABLE t ADD COLUMN extra INTEGER DEFAULT 7")
assert(db:query("SELECT * FROM t WHERE id = 1")[1].extra == 7)
-- a dropped table: the kept statement fails, then works once it is back
db:exec("CREATE TABLE u (n INTEGER)")
db:exec("INSERT INTO u VALUES (1)")
assert(db:query("SELECT n FROM u")[1].n == 1)
db:exec("DROP TABLE u")
expect_error("no such table: u", db.query, db, "SELECT n FROM u")
db:exec("CREATE TABLE u (n INTEGER)")
db:exec("INSERT INTO u VALUES (2)")
assert(db:query("SELECT n FROM u")[1].n == 2)

-- a constraint failure, then the same statement succeeds
expect_error("UNIQUE constraint failed", db.exec, db, "INSERT INTO t (id, v) VALUES (?, ?)", { 1, "dup" })
assert(db:exec("INSERT INTO t (id, v) VALUES (?, ?)", { 51, "v51" }).affected == 1)

-- more distinct statements than are kept, twice over
for round = 1, 2 do
  for k = 1, 40 do
    local rows = db:query("SELECT " .. k .. " AS k, count(*) AS c FROM t")
    assert(rows[1].k == k and rows[1].c == 51, round)
  end
end

-- an interrupted statement answers again
local slow = [[WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)
               SELECT count(*) AS n FROM c]]
for _ = 1, 2 do
  local ok, err = pcall(task.with_timeout, 30, function() return db:query(slow, { 1000000000 }) end)
  assert(not ok and err.kind == "timeout", tostring(err))
end
assert(db:query(slow, { 10 })[1].n == 10)

db:close()
cleanup()
print("ok")
