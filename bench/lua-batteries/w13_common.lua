-- What the W13 scripts (w13_sql_mix.lua, w13_sql_mix_batched.lua) share:
-- a new SQLite file with one table, the timed insert phase each does its
-- own way, then N point queries by primary key, one statement (one
-- hand-off to the connection's thread) each, and the RESULT line. Loaded
-- with dofile from the script's directory:
--   dofile((arg[0]:match("^(.*/)") or "") .. "w13_common.lua")(script_name, insert)
-- insert(db, n) must add the rows (i, "value " .. i) for i = 1..n.
local sql, time = std.sql, std.time

return function(script_name, insert)
  local n = assert(tonumber(arg[1]), "usage: " .. script_name .. " N")
  local path = os.tmpname()
  local db = sql.open(path)
  db:exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
  local start = time.monotonic()
  insert(db, n)
  local inserted = time.monotonic()
  for i = 1, n do
    local rows = db:query("SELECT v FROM t WHERE id = ?", { i })
    assert(rows[1].v == "value " .. i)
  end
  local done = time.monotonic()
  db:close()
  for _, suffix in ipairs({ "", "-wal", "-shm" }) do os.remove(path .. suffix) end
  print(string.format("RESULT seconds=%.9f insert_us=%.3f query_us=%.3f", done - start,
                      (inserted - start) * 1e6 / n, (done - inserted) * 1e6 / n))
end
