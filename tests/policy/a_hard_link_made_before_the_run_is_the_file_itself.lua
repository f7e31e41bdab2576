-- policy-args: --allow-read root
-- A hard link is not a pointer that could be refused: root/hard is the
-- very file outside/hardlinked.txt, under a second name inside the root.
-- The sandbox grants it (docs/untrusted.md says so); a read-only root
-- still refuses writing it.
local fs = std.fs
assert(fs.read("root/hard") == "hard")
local ok, e = pcall(fs.write, "root/hard", "changed")
assert(not ok and e.kind == "denied")
assert(e.message == "std.fs.write: access to 'root/hard' denied by policy", e.message)
ok, e = pcall(fs.open, "root/hard", "r+")
assert(not ok and e.kind == "denied")
print("ok")
