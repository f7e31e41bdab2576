-- policy-args: --allow-write root
-- A symlink inside the root that points out of it (to a file, to a
-- directory, relative or absolute) cannot be followed out; one that stays
-- inside can. Writing over such a link replaces the link, not its target.
local fs = std.fs

local function denied(op, path, f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, op .. " on " .. path .. " was allowed")
  assert(type(e) == "table" and e.kind == "denied", tostring(e))
  assert(e.message == op .. ": access to '" .. path .. "' denied by policy", e.message)
end

denied("std.fs.read", "root/link-file", fs.read, "root/link-file")
denied("std.fs.open", "root/link-file", fs.open, "root/link-file", "a")
denied("std.fs.append", "root/link-file", fs.append, "root/link-file", "x")
denied("std.fs.read", "root/link-dir/secret.txt", fs.read, "root/link-dir/secret.txt")
denied("std.fs.read", "root/abs-link/secret.txt", fs.read, "root/abs-link/secret.txt")
denied("std.fs.list", "root/link-dir", fs.list, "root/link-dir")
denied("std.fs.list", "root/abs-link/dir", fs.list, "root/abs-link/dir")
denied("std.fs.write", "root/link-dir/new", fs.write, "root/link-dir/new", "x")
denied("std.fs.mkdir", "root/link-dir/new", fs.mkdir, "root/link-dir/new")
denied("std.fs.remove", "root/link-dir/secret.txt", fs.remove, "root/link-dir/secret.txt")
denied("std.fs.exists", "root/abs-link/secret.txt", fs.exists, "root/abs-link/secret.txt")

-- The links themselves are inside: stat sees a link, remove removes it.
assert(fs.stat("root/link-file").type == "link")
fs.remove("root/link-dir")
assert(not fs.exists("root/link-dir"))
-- Writing over a link replaces the link (rename); the target keeps its text.
fs.write("root/link-file", "replaced")
assert(fs.stat("root/link-file").type == "file")
assert(fs.read("root/link-file") == "replaced")
-- A recursive remove does not follow a link into the outside.
fs.mkdir("root/tree")
local ok = pcall(fs.remove, "root/abs-link/dir", { recursive = true })
assert(not ok)
fs.remove("root/abs-link")
print("ok")
