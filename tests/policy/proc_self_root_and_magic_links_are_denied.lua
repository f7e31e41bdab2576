-- policy-args: --allow-read root
-- /proc's magic links lead anywhere: /proc itself is outside the root, and
-- a symlink in the root to /proc/self/root is still not followed out.
local fs = std.fs
for _, p in ipairs({ "/proc/self/root/etc/passwd", "/proc/self/cwd/outside/secret.txt", "/proc/self/environ" }) do
  local ok, e = pcall(fs.read, p)
  assert(not ok and e.kind == "denied", p)
  assert(e.message == "std.fs.read: access to '" .. p .. "' denied by policy", e.message)
end
local ok, e = pcall(fs.list, "/proc/self/fd")
assert(not ok and e.kind == "denied")
print("ok")
