-- W13 sql_mix with the batched path: the N single-row INSERTs as one
-- db:exec_many (one hand-off to the connection's thread, one savepoint in
-- one transaction), then the N point queries by primary key as in
-- w13_sql_mix.lua, one statement (one hand-off) each.
--   lua-batteries w13_sql_mix_batched.lua N
local sql, time = std.sql, std.time
local n = assert(tonumber(arg[1]), "usage: w13_sql_mix_batched.lua N")

local path = os.tmpname()
local db = sql.open(path)
db:exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
local start = time.monotonic()
local rows = {}
for i = 1, n do rows[i] = { i, "value " .. i } end
db:transaction(function()
  db:exec_many("INSERT INTO t (id, v) VALUES (?, ?)", rows)
end)
local inserted = time.monotonic()
for i = 1, n do
  local found = db:query("SELECT v FROM t WHERE id = ?", { i })
  assert(found[1].v == "value " .. i)
end
local done = time.monotonic()
db:close()
for _, suffix in ipairs({ "", "-wal", "-shm" }) do os.remove(path .. suffix) end
print(string.format("RESULT seconds=%.9f insert_us=%.3f query_us=%.3f", done - start,
                    (inserted - start) * 1e6 / n, (done - inserted) * 1e6 / n))
