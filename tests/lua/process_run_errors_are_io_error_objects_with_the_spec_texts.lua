-- Failures of std.process.run: a program that cannot start, check = true,
-- max_output; argument errors are plain errors naming the function.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local process = std.process

h.no_fd_leak(function()
  local ok, e = pcall(process.run, { "nosuch" })
  assert(not ok and e.kind == "io" and e.code == "ENOENT" and e.op == "std.process.run")
  assert(tostring(e) == "std.process.run: cannot run 'nosuch': no such file or directory (ENOENT)", tostring(e))
  assert(e.message == tostring(e))
  assert(("x" .. e):find("^xstd.process.run"))

  ok, e = pcall(process.run, "make", { check = true, cwd = "/" })
  assert(not ok and e.code == "EXIT", tostring(e))
  assert(tostring(e) == "std.process.run: 'make' exited with 2", tostring(e))
  assert(e.result.code == 2 and type(e.result.stderr) == "string")

  assert(process.run("exit 0", { check = true }).code == 0)

  ok, e = pcall(process.run, "head -c 100000 /dev/zero; sleep 30", { max_output = 1000, kill_grace_ms = 100 })
  assert(not ok and e.kind == "io" and e.code == "EOVERFLOW", tostring(e))

  ok, e = pcall(process.run, { "ls" }, { cwd = "/nonexistent/dir" })
  assert(not ok and e.code == "ENOENT", tostring(e))

  for _, bad in ipairs({
    { {}, nil, "cmd must not be empty" },
    { 42, nil, "cmd must be a string or an array of strings" },
    { { "ls", 1 }, nil, "cmd[2] must be a string" },
    { "true", { stdout = "file" }, "opts.stdout must be" },
    { "true", { stdin = "pipe" }, nil },  -- a string is input: allowed
    { "true", { env = 1 }, "opts.env must be a table" },
    { "true", { max_output = -1 }, "opts.max_output must be a non-negative number" },
    { "true", 5, "opts must be a table" },
  }) do
    local okb, eb = pcall(process.run, bad[1], bad[2])
    if bad[3] then
      assert(not okb and type(eb) == "string" and eb:find(bad[3], 1, true), tostring(eb))
      assert(eb:find("std.process.run", 1, true), eb)
    else
      assert(okb, tostring(eb))
    end
  end
end)
print("ok")
