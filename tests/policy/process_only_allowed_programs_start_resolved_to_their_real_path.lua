-- policy-args: --allow-write root --allow-run /bin/echo --allow-run ln
-- std.process checks the program by its real path, after PATH lookup, and
-- before anything starts: a string command is /bin/sh, which is not
-- allowed here; a symlink to a denied program is that program; a symlink
-- or a PATH name leading to an allowed one runs it.
local process = std.process

local function denied(fn, cmd, opts, target)
  local ok, e = pcall(fn, cmd, opts)
  assert(not ok, "started: " .. tostring(cmd))
  assert(e.kind == "denied" and e.code == "EACCES", tostring(e))
  local op = fn == process.run and "std.process.run" or "std.process.spawn"
  local want = op .. ": access to '" .. target .. "' denied by policy"
  assert(e.message == want, e.message .. " ~= " .. want)
  assert(tostring(e) == want)
end

-- A string command would run /bin/sh: denied, and nothing ran (the file
-- it would make in the tree's top, outside the root, is checked by
-- run_case.sh).
denied(process.run, "echo started > started", nil, "/bin/sh")
denied(process.spawn, "echo started > started", nil, "/bin/sh")
denied(process.run, { "sh", "-c", "echo started > started" }, nil, "sh")
denied(process.run, { "/bin/sh", "-c", "echo started > started" }, nil, "/bin/sh")
denied(process.spawn, { "/usr/bin/env" }, { stdout = "null" }, "/usr/bin/env")
-- A program that does not exist is denied the same way (no probing).
denied(process.run, { "no-such-program-here" }, nil, "no-such-program-here")
denied(process.run, { "root/nothing" }, nil, "root/nothing")

-- Allowed: by name on PATH, by path, and /usr/bin/echo is /bin/echo's
-- real path on a merged /usr (or the same file otherwise).
local r = process.run({ "echo", "by", "name" })
assert(r.code == 0 and r.stdout == "by name\n", r.stdout)
r = process.run({ "/bin/echo", "by path" })
assert(r.stdout == "by path\n")
local p = process.spawn({ "echo", "spawned" }, { stdin = "null" })
assert(p.stdout:read_all() == "spawned\n")
assert(p:wait() == 0)

-- Symlinks: one to a denied program is denied (its real path is the
-- shell), one to an allowed program runs it.
assert(process.run({ "ln", "-s", "/bin/sh", "root/looks-harmless" }).code == 0)
assert(process.run({ "ln", "-s", "/bin/echo", "root/echo-link" }).code == 0)
denied(process.run, { "root/looks-harmless", "-c", "echo started > started" }, nil, "root/looks-harmless")
denied(process.run, { "./looks-harmless", "-c", "echo started > started" }, { cwd = "root" }, "./looks-harmless")
r = process.run({ "root/echo-link", "linked" })
assert(r.stdout == "linked\n", r.stdout)
-- A relative path with a slash is resolved from the child's cwd, as exec does.
r = process.run({ "./echo-link", "from cwd" }, { cwd = "root" })
assert(r.stdout == "from cwd\n", r.stdout)
print("ok")
