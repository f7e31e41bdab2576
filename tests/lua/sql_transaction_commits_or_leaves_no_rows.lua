-- db:transaction(fn): COMMIT when fn returns; ROLLBACK when fn raises, is
-- cancelled or hard-aborted mid-way (no row of it is left); while it is
-- open, other tasks' statements on the connection wait for its end.
local task, sql = std.task, std.sql
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")
local temp_db = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/temp_db.lua")
local path, cleanup = temp_db()
local db <close> = sql.open(path)
db:exec("CREATE TABLE t (n INTEGER)")
local function count() return db:query("SELECT count(*) AS c FROM t")[1].c end

-- commit, with fn's results
local a, b = db:transaction(function(tx)
  assert(tx == db)
  tx:exec("INSERT INTO t VALUES (1)")
  tx:exec("INSERT INTO t VALUES (2)")
  return "done", 2
end)
assert(a == "done" and b == 2 and count() == 2)

-- an error rolls back and passes through unchanged
local marker = {}
local ok, err = pcall(db.transaction, db, function()
  db:exec("INSERT INTO t VALUES (3)")
  error(marker)
end)
assert(not ok and err == marker and count() == 2)

-- hard abort mid-way
local h = task.spawn(function()
  db:transaction(function()
    for i = 1, 5 do db:exec("INSERT INTO t VALUES (?)", {100 + i}) end
    task.sleep(10000)
  end)
end)
task.sleep(50)
h:abort()
assert(count() == 2, "the aborted transaction left rows: " .. count())

-- cancellation mid-way
ok, err = pcall(task.with_timeout, 50, function()
  db:transaction(function()
    db:exec("INSERT INTO t VALUES (4)")
    task.sleep(10000)
  end)
end)
assert(not ok and err.kind == "timeout" and count() == 2)

-- another task's statement waits until the transaction ends
local order = {}
db:transaction(function()
  db:exec("INSERT INTO t VALUES (5)")
  local other = task.spawn(function()
    db:exec("INSERT INTO t VALUES (6)")
    order[#order + 1] = "other"
  end)
  task.sleep(30)
  order[#order + 1] = "transaction"
  assert(db:query("SELECT count(*) AS c FROM t WHERE n = 6")[1].c == 0)
  return other
end):join()
assert(order[1] == "transaction" and order[2] == "other", table.concat(order, ","))
assert(count() == 4)

expect_error("a transaction is already open", db.transaction, db, function()
  db:transaction(function() end)
end)
assert(count() == 4)
expect_error("bad argument #1 to 'transaction' (function expected, got number)", function() db:transaction(42) end)
cleanup()
print("ok")
