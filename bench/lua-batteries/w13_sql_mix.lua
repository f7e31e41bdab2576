-- W13 sql_mix: N single-row INSERTs in one transaction, then N point
-- queries by primary key, each a statement of std.sql (a hand-off to the
-- connection's thread each), on a new SQLite file.
--   lua-batteries w13_sql_mix.lua N
local sql, time = std.sql, std.time
local n = assert(tonumber(arg[1]), "usage: w13_sql_mix.lua N")

local path = os.tmpname()
local db = sql.open(path)
db:exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
local start = time.monotonic()
db:transaction(function()
  for i = 1, n do db:exec("INSERT INTO t (id, v) VALUES (?, ?)", { i, "value " .. i }) end
end)
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
