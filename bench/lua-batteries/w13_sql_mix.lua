-- W13 sql_mix: N single-row INSERTs in one transaction, then N point
-- queries by primary key, each a statement of std.sql (a hand-off to the
-- connection's thread each), on a new SQLite file (w13_common.lua).
--   lua-batteries w13_sql_mix.lua N
local run = dofile((arg[0]:match("^(.*/)") or "") .. "w13_common.lua")

run("w13_sql_mix.lua", function(db, n)
  db:transaction(function()
    for i = 1, n do db:exec("INSERT INTO t (id, v) VALUES (?, ?)", { i, "value " .. i }) end
  end)
end)
