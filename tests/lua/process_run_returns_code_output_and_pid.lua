-- std.process.run runs a program to its end: exit code, captured stdout and
-- stderr, pid; input from opts.stdin; stderr = "stdout" merges; "null"
-- discards; a program killed by a signal has signal and no code.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local process = std.process

h.no_fd_leak(function()
  local r = process.run({ "echo", "hello", "world" })
  assert(r.code == 0 and r.signal == nil, tostring(r.code))
  assert(r.stdout == "hello world\n" and r.stderr == "", r.stdout)
  assert(math.type(r.pid) == "integer" and r.pid > 0)

  r = process.run("echo out; echo err >&2; exit 3")
  assert(r.code == 3 and r.stdout == "out\n" and r.stderr == "err\n")

  r = process.run({ "cat" }, { stdin = "fed\ninput" })
  assert(r.stdout == "fed\ninput", r.stdout)

  r = process.run({ "cat" })  -- default input is /dev/null: cat ends at once
  assert(r.code == 0 and r.stdout == "")

  r = process.run("echo a; echo b >&2", { stderr = "stdout" })
  assert(r.stdout == "a\nb\n" and r.stderr == "", r.stdout)

  r = process.run("echo a; echo b >&2", { stdout = "null" })
  assert(r.stdout == "" and r.stderr == "b\n")

  r = process.run("kill -9 $$")
  assert(r.code == nil and r.signal == "SIGKILL", tostring(r.signal))

  r = process.run({ "pwd" }, { cwd = "/tmp" })
  assert(r.stdout == "/tmp\n", r.stdout)

  r = process.run('printf %s "$LB_TEST_VAR"', { env = { LB_TEST_VAR = "set" } })
  assert(r.stdout == "set", r.stdout)
  r = process.run('printf %s "${HOME-unset}"', { clear_env = true })
  assert(r.stdout == "unset", r.stdout)

  -- A large output arrives whole.
  r = process.run("head -c 3000000 /dev/zero")
  assert(#r.stdout == 3000000)
end)
print("ok")
