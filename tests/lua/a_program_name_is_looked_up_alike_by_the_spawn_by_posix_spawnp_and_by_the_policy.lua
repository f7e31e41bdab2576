-- A bare program name is looked up on PATH as execvp does, and alike
-- wherever the lookup happens: by std.process for a child with an
-- environment of its own (on the child's PATH), by posix_spawnp for one
-- without (on the runner's PATH), and by the process policy's check
-- before anything starts (on the runner's PATH). The runner (arg[-1]) is
-- run with PATH set as each case asks, with and without --allow-run, on
-- a tree where the first entries hold things named like the program that
-- are not one:
--   a/prog/     a directory
--   b/prog      a file without execute permission
--   c/prog      the program: prints "c"
--   here/prog   prints "here": found through an empty entry (the current
--               directory: the directory the program starts in)
local process = std.process
local runner = arg[-1]
assert(runner and runner:sub(1, 1) == "/", "the runner must be run by its absolute path")

local T = process.run({ "mktemp", "-d" }).stdout:gsub("\n$", "")
local remove_tree <close> = setmetatable({}, { __close = function() os.execute("rm -rf '" .. T .. "'") end })
assert(process.run({ "sh", "-c", [[
  set -e
  cd "$1"
  mkdir -p a/prog b c here empty
  printf '#!/bin/sh\necho b\n' > b/prog
  printf '#!/bin/sh\necho c\n' > c/prog
  printf '#!/bin/sh\necho here\n' > here/prog
  chmod 644 b/prog
  chmod 755 c/prog here/prog
]], "sh", T }).code == 0)

-- What a run of {program} gave: the program's output, or what stopped
-- it: "ENOENT" when PATH has nothing of that name, "EACCES" when it has
-- only things that are not executable files (as execvp reports), "denied"
-- by the policy.
local function outcome(ok, r)
  if ok then return (r.stdout:gsub("\n$", "")) end
  assert(r.kind == "denied" or r.code == "ENOENT" or r.code == "EACCES", tostring(r))
  return r.kind == "denied" and "denied" or r.code
end

-- In this runner, with the child's PATH given in opts.env (nil: none).
local function in_process(program, path, cwd)
  return outcome(pcall(process.run, { program }, { clear_env = true, env = { PATH = path }, cwd = cwd }))
end

-- In a runner whose own PATH is `path` (nil: unset), which starts
-- `program` without an environment of its own; `policy` its options.
local function in_runner(program, path, cwd, policy)
  local chunk = ([[
    local ok, r = pcall(std.process.run, { %q }, { cwd = %s })
    print(ok and "ran " .. r.stdout:gsub("\n$", "") or "failed " .. tostring(r.kind) .. " " .. tostring(r.code))
  ]]):format(program, cwd and ("%q"):format(cwd) or "nil")
  local argv = { runner }
  for _, option in ipairs(policy or {}) do argv[#argv + 1] = option end
  argv[#argv + 1] = "-e"
  argv[#argv + 1] = chunk
  local r = process.run(argv, { clear_env = true, env = { PATH = path } })
  assert(r.code == 0, "the runner failed: " .. r.stderr)
  local ran = r.stdout:match("^ran (.-)\n$")
  if ran then return ran end
  local kind, code = r.stdout:match("^failed (%S+) (%S+)\n$")
  assert(kind, r.stdout .. r.stderr)
  return outcome(false, { kind = kind, code = code })
end

-- { what, PATH (nil: unset), cwd (nil: this one), what a run gives }
local cases = {
  { "a directory and a non-executable file earlier on PATH", T .. "/a:" .. T .. "/b:" .. T .. "/c", nil, "c" },
  { "only those", T .. "/a:" .. T .. "/b", nil, "EACCES" },
  { "an empty entry, from the child's cwd", T .. "/a::" .. T .. "/c", T .. "/here", "here" },
  { "a trailing empty entry", T .. "/c:", T .. "/here", "c" },
  { "an empty entry where there is no program", T .. "/a::" .. T .. "/c", T .. "/empty", "c" },
  { "a relative entry, from the child's cwd", "a:b:c", T, "c" },
  { "PATH unset: /bin:/usr/bin, not the tree", nil, T .. "/here", "ENOENT" },
}
for _, case in ipairs(cases) do
  local what, path, cwd, want = case[1], case[2], case[3], case[4]
  local function check(how, got, expected)
    assert(got == expected, ("%s, %s: got %s, expected %s"):format(what, how, got, expected))
  end
  check("the child's PATH", in_process("prog", path, cwd), want)
  check("posix_spawnp", in_runner("prog", path, cwd), want)
  -- The policy grants the program the lookup must find (c/prog when it
  -- finds none, then denies: a script cannot tell missing from refused);
  -- granting what an earlier entry holds lets nothing run.
  local runs = want ~= "ENOENT" and want ~= "EACCES"
  local granted = T .. (want == "here" and "/here/prog" or "/c/prog")
  local read = "--allow-read=" .. T
  check("the policy", in_runner("prog", path, cwd, { "--allow-run", granted, read }), runs and want or "denied")
  for _, decoy in ipairs({ T .. "/a/prog", T .. "/b/prog" }) do
    check("the policy granting only " .. decoy, in_runner("prog", path, cwd, { "--allow-run", decoy, read }), "denied")
  end
end

-- PATH unset is /bin:/usr/bin in all three ways: `true` is there.
assert(in_process("true", nil, nil) == "")
assert(in_runner("true", nil, nil) == "")
assert(in_runner("true", nil, nil, { "--allow-run", "/bin/true" }) == "")

print("ok")
