-- policy-args: --allow-read root
-- A read-only root: reads and lists pass; every change is denied before
-- it starts, and nothing is created.
local fs = std.fs
assert(fs.read("root/data.txt") == "inside")
assert(#fs.list("root") > 0)
local function denied(op, path, f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok and e.kind == "denied", op .. " " .. path)
  assert(e.message == op .. ": access to '" .. path .. "' denied by policy", e.message)
end
denied("std.fs.write", "root/new", fs.write, "root/new", "x")
denied("std.fs.append", "root/data.txt", fs.append, "root/data.txt", "x")
denied("std.fs.open", "root/new", fs.open, "root/new", "w")
denied("std.fs.mkdir", "root/new", fs.mkdir, "root/new")
denied("std.fs.remove", "root/data.txt", fs.remove, "root/data.txt")
denied("std.fs.rename", "root/data.txt", fs.rename, "root/data.txt", "root/other")
assert(not fs.exists("root/new"))
assert(fs.read("root/data.txt") == "inside")
print("ok")
