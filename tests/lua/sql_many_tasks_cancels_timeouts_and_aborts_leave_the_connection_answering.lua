-- Many tasks on one connection, round after round, each round under a
-- random deadline: queries, point reads of their own parameters,
-- transactions that insert and read back their row, statements that fail
-- on a constraint, slow statements that the per-statement timeout or the
-- deadline stops, and now and then a hard abort of one of them. Whatever
-- ends each round, the connection answers at once after it, every result
-- is the statement's own, and nothing raises but timeouts, cancellations
-- and the constraint (the ASan build checks the reused jobs and ops for
-- use-after-free). Bounded: 150 rounds of at most 12 tasks, fixed seed.
local task, sql = std.task, std.sql
local temp_db = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/temp_db.lua")
local path, cleanup = temp_db()
local db = sql.open(path, { timeout_ms = 30 })
db:exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
local slow = [[WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000)
               SELECT count(*) AS n FROM c]]
math.randomseed(7)

local done, cancelled, timeouts, unexpected = 0, 0, 0, 0
local next_id = 1000

-- a raise that ends a statement: a timeout or a cancellation is counted,
-- anything else fails the task
local function expected(err)
  if type(err) == "table" and err.kind == "timeout" then
    timeouts = timeouts + 1
  elseif task.is_cancelled(err) then
    cancelled = cancelled + 1
  else
    error(err)
  end
end

local function one_statement()
  local choice = math.random(1, 8)
  if choice == 1 then
    local ok, err = pcall(db.query, db, slow)
    if not ok then expected(err) end
  elseif choice == 2 then
    db:transaction(function()
      next_id = next_id + 1
      local id = next_id
      db:exec("INSERT INTO t (id, v) VALUES (?, ?)", { id, "x" .. id })
      assert(db:query("SELECT v FROM t WHERE id = ?", { id })[1].v == "x" .. id)
      if math.random(1, 3) == 1 then task.yield() end
    end)
  elseif choice == 3 then
    local ok, err = pcall(db.exec, db, "INSERT INTO t (id, v) VALUES (?, ?)", { 1, "dup" })
    if not ok and not tostring(err):find("UNIQUE constraint failed: t.id", 1, true) then expected(err) end
  elseif choice == 4 then
    assert(math.type(db:query("SELECT count(*) AS n FROM t")[1].n) == "integer")
  else
    local i = math.random(1, 1000)
    local row = db:query("SELECT ? AS i, ? AS s", { i, "s" .. i })[1]
    assert(row.i == i and row.s == "s" .. i)
  end
  done = done + 1
end

for _ = 1, 150 do
  local ok, err = pcall(task.with_timeout, math.random(1, 60), function()
    task.scope(function(s)
      local handles = {}
      for k = 1, math.random(1, 12) do handles[k] = s:spawn(one_statement) end
      if math.random(1, 3) == 1 then
        task.sleep(math.random(0, 3))
        handles[math.random(1, #handles)]:abort()
      end
    end)
  end)
  if not ok then
    if err.kind == "timeout" or task.is_cancelled(err) then
      cancelled = cancelled + 1
    else
      unexpected = unexpected + 1
      print("unexpected", err)
    end
  end
  assert(db:query("SELECT 1 AS one")[1].one == 1)
end
db:close()
cleanup()
assert(unexpected == 0 and done > 0 and cancelled > 0 and timeouts > 0,
       ("done=%d cancelled=%d timeouts=%d unexpected=%d"):format(done, cancelled, timeouts, unexpected))
print("ok")
