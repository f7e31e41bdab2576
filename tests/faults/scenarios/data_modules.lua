-- std.json and std.sql (on an in-memory database) with every allocation
-- failing in turn: encode and decode of nested values, statements with
-- parameters, a transaction that commits and one that rolls back, a batch
-- that commits and one that fails.
local json, sql = std.json, std.sql
local value = json.decode('{"a":[1,2.5,"x",null,true],"b":{"c":{"d":"\\u00e9"}}}')
assert(json.decode(json.encode(value)).b.c.d == "é")
assert(not pcall(json.decode, "[1,"))
assert(not pcall(json.encode, {print}))
local db <close> = sql.open(":memory:")
db:exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
db:exec("INSERT INTO t (name) VALUES (?)", {"one"})
db:exec("INSERT INTO t (name) VALUES (:name)", {name = "two"})
db:transaction(function() db:exec("INSERT INTO t (name) VALUES ('three')") end)
pcall(db.transaction, db, function()
  db:exec("INSERT INTO t (name) VALUES ('four')")
  error("roll back")
end)
local rows = db:query("SELECT id, name FROM t ORDER BY id")
assert(#rows == 3 and rows[3].name == "three")
assert(not pcall(db.query, db, "SELECT * FROM missing"))
db:exec_many("INSERT INTO t (id, name) VALUES (?, ?)", {{10, "ten"}, {11, "eleven"}})
assert(not pcall(db.exec_many, db, "INSERT INTO t (id, name) VALUES (?, ?)", {{12, "x"}, {10, "dup"}}))
assert(#db:query("SELECT id FROM t") == 5)
