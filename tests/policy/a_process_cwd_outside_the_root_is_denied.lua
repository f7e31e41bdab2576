-- policy-args: --allow-read root --allow-run true
-- A child's working directory is a path: outside the root (directly or by
-- a symlink) it is denied and no process starts; inside it runs.
local process = std.process
for _, cwd in ipairs({ "outside", "/", "root/link-dir" }) do
  local ok, e = pcall(process.run, { "true" }, { cwd = cwd })
  assert(not ok and e.kind == "denied", tostring(e))
  assert(e.message == "std.process.run: access to '" .. cwd .. "' denied by policy", e.message)
end
local ok, e = pcall(process.spawn, { "true" }, { cwd = "outside/dir" })
assert(not ok and e.kind == "denied")
assert(e.message == "std.process.spawn: access to 'outside/dir' denied by policy", e.message)
local r = process.run({ "true" }, { cwd = "root/sub" })
assert(r.code == 0)
print("ok")
