-- std.kv on the --db connection: values round-trip through JSON (nested
-- tables, arrays, numbers, strings, booleans and null, which comes back
-- as std.json.null); set replaces, delete reports whether a key went,
-- list is sorted and takes a prefix; namespaces are kept apart and
-- validated with the reference's text. Runs the runner (arg[-1]) with
-- --db on a real file.
local temp_db = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/temp_db.lua")
local path, cleanup = temp_db()
local script = os.tmpname()
local f = assert(io.open(script, "w"))
f:write([==[
local kv, null = std.kv, std.json.null
local expect_error = dofile(...)
assert(kv.get("app", "missing") == nil)
kv.set("app", "config", {name = "x", ports = {80, 443}, nested = {deep = {list = {1, "two", 3.5}}}, off = false, none = null})
local v = kv.get("app", "config")
assert(v.name == "x" and v.ports[2] == 443 and v.nested.deep.list[2] == "two" and v.nested.deep.list[3] == 3.5)
assert(v.off == false and v.none == null, "null comes back as std.json.null")
kv.set("app", "list", {1, null, 3})
local l = kv.get("app", "list")
assert(#l == 3 and l[2] == null)
kv.set("app", "n", 42)
assert(kv.get("app", "n") == 42 and math.type(kv.get("app", "n")) == "integer")
kv.set("app", "n", "replaced")
assert(kv.get("app", "n") == "replaced")
kv.set("app", "nothing", nil)
assert(kv.get("app", "nothing") == null)
kv.set("other", "config", 1)
local keys = kv.list("app")
assert(table.concat(keys, ",") == "config,list,n,nothing", table.concat(keys, ","))
assert(table.concat(kv.list("app", "n"), ",") == "n,nothing")
assert(kv.delete("app", "n") == true and kv.delete("app", "n") == false)
assert(kv.get("app", "n") == nil and kv.get("other", "config") == 1)
expect_error("Invalid namespace: ''", kv.get, "", "k")
expect_error("Invalid namespace: 'a/b'", kv.set, "a/b", "k", 1)
expect_error("Invalid namespace: '..'", kv.list, "..")
expect_error("Invalid namespace: 'a\\b'", kv.delete, "a\\b", "k")
expect_error("kv.set serialize: unsupported type for JSON conversion: function", kv.set, "app", "f", print)
-- the table is the reference's
local cols = {}
for _, r in ipairs(std.sql.query("PRAGMA table_info(__kv)")) do cols[#cols + 1] = r.name end
assert(table.concat(cols, ",") == "ns,key,value")
assert(std.sql.query("SELECT value FROM __kv WHERE ns = 'other'")[1].value == "1")
print("kv ok")
]==])
f:close()
local here = arg[0]:match("^(.-)[^/]*$")
local p = io.popen(("'%s' --db '%s' '%s' '%s' 2>&1"):format(arg[-1], path, script, here .. "support/expect_error.lua"))
local out = p:read("a")
p:close()
os.remove(script)
assert(out:find("kv ok", 1, true), out)
-- without a database
local ok, err = pcall(std.kv.get, "app", "k")
assert(not ok and tostring(err):find("std.kv: no database", 1, true), tostring(err))
cleanup()
print("ok")
