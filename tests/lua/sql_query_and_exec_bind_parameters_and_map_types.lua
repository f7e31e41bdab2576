-- std.sql.open on a real SQLite file: exec returns affected and last_id,
-- query returns rows keyed by column; parameters bind by position (?) or
-- by name (:name); integers, floats, text, booleans, blobs and NULL map
-- as the spec says; SQL errors are error objects of kind "io".
local sql = std.sql
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
local temp_db = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/temp_db.lua")
local path, cleanup = temp_db()

local db = sql.open(path)
assert(tostring(db):find("std.sql.Db", 1, true))
db:exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, flag INTEGER, data BLOB)")
local r = db:exec("INSERT INTO t (name, score, flag) VALUES (?, ?, ?)", {"ann", 1.5, true})
assert(r.affected == 1 and r.last_id == 1, "exec result")
r = db:exec("INSERT INTO t (name, score, flag, data) VALUES (:name, :score, :flag, x'00ff41')",
            {name = "bob", score = 2, flag = false})
assert(r.last_id == 2)
db:exec("INSERT INTO t (name, score) VALUES (?, ?)", {sql.null, 3.25})

local rows = db:query("SELECT id, name, score, flag, data FROM t ORDER BY id")
assert(#rows == 3)
assert(rows[1].id == 1 and math.type(rows[1].id) == "integer")
assert(rows[1].name == "ann" and rows[1].score == 1.5 and rows[1].flag == 1)
assert(rows[1].data == sql.null, "NULL is std.sql.null")
assert(rows[2].flag == 0 and rows[2].score == 2.0 and math.type(rows[2].score) == "float")
assert(rows[2].data == "\0\255A", "BLOB comes back as a string")
assert(rows[3].name == sql.null and rows[3].name == std.json.null)
assert(#db:query("SELECT * FROM t WHERE id > ?", {10}) == 0)
assert(db:query("SELECT count(*) AS n FROM t")[1].n == 3)
assert(db:exec("UPDATE t SET flag = 7 WHERE flag IS NOT NULL").affected == 2)
assert(#db:query("-- only a comment") == 0)

-- errors
local ok, err = pcall(db.query, db, "SELECT * FROM missing")
assert(not ok and type(err) == "table", "an error object")
assert(err.kind == "io" and err.code == "SQLITE_ERROR" and err.op == "sql.query", tostring(err.code))
assert(tostring(err) == "sql error: no such table: missing", tostring(err))
ok, err = pcall(db.exec, db, "INSERT INTO t (id) VALUES (1)")
assert(not ok and err.code == "SQLITE_CONSTRAINT" and err.op == "sql.exec", tostring(err))
expect_error("sql error: multiple statements provided", db.exec, db, "SELECT 1; SELECT 2")
expect_error("sql error: wrong number of parameters: got 1, needed 2", db.query, db, "SELECT ?, ?", {1})
expect_error("sql error: no such parameter: :nope", db.query, db, "SELECT :a", {nope = 1})
expect_error("sql.query: unsupported SQL param type: table", db.query, db, "SELECT ?", {{}})
expect_error("sql.exec: SQL param #1 is non-finite", db.exec, db, "SELECT ?", {0 / 0})
expect_error("sql.query: parameter names must be strings", db.query, db, "SELECT ?", {[1.5] = 1})
expect_error("(string expected, got no value)", db.query, db)

-- a second connection to the same file sees the committed rows (WAL)
local other <close> = sql.open(path)
assert(#other:query("SELECT * FROM t") == 3)
assert(other:query("PRAGMA journal_mode")[1].journal_mode == "wal")

db:close()
db:close()  -- idempotent
expect_error("sql.query: database is closed", db.query, db, "SELECT 1")
-- without --db the module-level functions have no connection
expect_error("std.sql: no database (run with --db PATH, or open one with std.sql.open)", sql.query, "SELECT 1")
ok, err = pcall(sql.open, "/nonexistent-dir/x.db")
assert(not ok and err.kind == "io" and err.code == "SQLITE_CANTOPEN" and err.op == "sql.open", tostring(err))
other:close()
cleanup()
print("ok")
