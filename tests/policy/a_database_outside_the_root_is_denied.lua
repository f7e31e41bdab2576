-- policy-args: --allow-write root
-- std.sql.open's file is a path to write: outside the root, through a
-- symlink out, or as a file: URI it is denied and nothing is created.
local sql = std.sql
for _, p in ipairs({ "outside/x.db", "root/link-dir/x.db", "file:outside/x.db" }) do
  local ok, e = pcall(sql.open, p)
  assert(not ok and e.kind == "denied", tostring(e))
  assert(e.message == "sql.open: access to '" .. p .. "' denied by policy", e.message)
end
local db <close> = sql.open("root/x.db")
db:exec("create table t (x)")
db:exec("insert into t values (1)")
assert(db:query("select x from t")[1].x == 1)
local mem <close> = sql.open(":memory:")
print("ok")
