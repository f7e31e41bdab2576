-- W13 sql_mix with the batched path: the N single-row INSERTs as one
-- db:exec_many (one hand-off to the connection's thread, one savepoint in
-- one transaction), then the N point queries by primary key as in
-- w13_sql_mix.lua, one statement (one hand-off) each (w13_common.lua).
--   lua-batteries w13_sql_mix_batched.lua N
local run = dofile((arg[0]:match("^(.*/)") or "") .. "w13_common.lua")

run("w13_sql_mix_batched.lua", function(db, n)
  local rows = {}
  for i = 1, n do rows[i] = { i, "value " .. i } end
  db:transaction(function()
    db:exec_many("INSERT INTO t (id, v) VALUES (?, ?)", rows)
  end)
end)
