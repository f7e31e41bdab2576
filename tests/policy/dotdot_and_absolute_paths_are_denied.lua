-- policy-args: --allow-write root
-- `..` and absolute paths that leave the root are denied by every std.fs
-- function, with the spec's text, and nothing happens outside.
local fs = std.fs

local function denied(op, path, f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, op .. " on " .. path .. " was allowed")
  assert(type(e) == "table" and e.kind == "denied", tostring(e))
  local want = op .. ": access to '" .. path .. "' denied by policy"
  assert(e.message == want, e.message .. " ~= " .. want)
  assert(e.code == "EACCES" and e.op == op)
end

local outside = "root/../outside/secret.txt"
local absolute = "/etc/passwd"
for _, p in ipairs({ outside, absolute, "root/sub/../../outside/secret.txt", "outside/secret.txt" }) do
  denied("std.fs.read", p, fs.read, p)
  denied("std.fs.stat", p, fs.stat, p)
  denied("std.fs.exists", p, fs.exists, p)
  denied("std.fs.lines", p, fs.lines, p)
  denied("std.fs.open", p, fs.open, p)
  denied("std.fs.write", p, fs.write, p, "x")
  denied("std.fs.append", p, fs.append, p, "x")
  denied("std.fs.open", p, fs.open, p, "w")
  denied("std.fs.remove", p, fs.remove, p)
end
denied("std.fs.list", "root/..", fs.list, "root/..")
denied("std.fs.list", "/", fs.list, "/")
denied("std.fs.mkdir", "root/../outside/new", fs.mkdir, "root/../outside/new")
denied("std.fs.mkdir", "root/../outside/a/b", fs.mkdir, "root/../outside/a/b", { parents = true })
denied("std.fs.remove", "root/../outside", fs.remove, "root/../outside", { recursive = true })
denied("std.fs.rename", "outside/moved", fs.rename, "root/data.txt", "outside/moved")
denied("std.fs.rename", "outside/secret.txt", fs.rename, "outside/secret.txt", "root/stolen")

-- What lies beneath the root works, by relative and absolute path.
assert(fs.read("root/data.txt") == "inside")
assert(fs.read("root/sub/../data.txt") == "inside")
fs.write("root/new.txt", "new")
fs.append("root/new.txt", "er")
assert(fs.read("root/new.txt") == "newer")
fs.mkdir("root/a/b", { parents = true })
fs.rename("root/new.txt", "root/a/b/moved.txt")
assert(fs.list("root/a/b")[1] == "moved.txt")
fs.remove("root/a", { recursive = true })
assert(not fs.exists("root/a"))
print("ok")
