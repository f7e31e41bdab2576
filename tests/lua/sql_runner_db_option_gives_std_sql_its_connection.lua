-- The runner's --db PATH opens the database of std.sql.query / exec (and
-- std.kv); --db-timeout-ms sets the per-statement timeout. Runs the
-- runner itself (arg[-1]) on a real file.
local temp_db = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/temp_db.lua")
local path, cleanup = temp_db()
local runner = arg[-1]
local function run(options, code)
  local p = io.popen(("'%s' %s -e '%s' 2>&1; echo \"exit=$?\""):format(runner, options, code))
  local out = p:read("a")
  p:close()
  return out
end

local out = run("--db " .. path,
  [[std.sql.exec("CREATE TABLE t (x)") std.sql.exec("INSERT INTO t VALUES (?)", {42})]])
assert(out:find("exit=0", 1, true), out)
out = run("--db=" .. path, [[print(std.sql.query("SELECT x FROM t")[1].x)]])
assert(out:find("^42\nexit=0"), out)
out = run("--db " .. path .. " --db-timeout-ms 50", [[
  local ok, err = pcall(std.sql.query, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
  print(err.kind, tostring(err))]])
assert(out:find("timeout\tsql.query timeout (50ms)", 1, true), out)
out = run("--db /nonexistent-dir/x.db", "print(1)")
assert(out:find("lua-batteries: std.sql: cannot open '/nonexistent-dir/x.db': unable to open database file", 1, true), out)
assert(out:find("exit=1", 1, true), out)
local p = io.popen(("'%s' --db 2>&1"):format(runner))
out = p:read("a")
p:close()
assert(out:find("'--db' needs argument", 1, true), out)
-- closing with a statement in flight leaves nothing open
out = run("--db " .. path, [[
  std.task.spawn(function() std.sql.query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c") end)
  std.task.sleep(20) error("stop")]])
assert(out:find("exit=1", 1, true) and not out:find("still open", 1, true), out)
cleanup()
print("ok")
