-- A string command is run by /bin/sh -c: when it cannot start, what could
-- not run is the shell, and the error names it (not the command text,
-- which never reached an exec). Once the shell runs, messages about what
-- it did name the command. An array command names its program.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local process = std.process

h.no_fd_leak(function()
  local nowhere = "/nonexistent/dir"
  for _, case in ipairs({ { process.run, "std.process.run" }, { process.spawn, "std.process.spawn" } }) do
    local ok, e = pcall(case[1], "echo hi", { cwd = nowhere })
    assert(not ok and e.kind == "io" and e.code == "ENOENT" and e.op == case[2], tostring(e))
    assert(tostring(e) == case[2] .. ": cannot run '/bin/sh': no such file or directory (ENOENT)", tostring(e))

    ok, e = pcall(case[1], { "echo", "hi" }, { cwd = nowhere })
    assert(not ok and tostring(e) == case[2] .. ": cannot run 'echo': no such file or directory (ENOENT)", tostring(e))
  end

  local ok, e = pcall(process.run, "exit 3", { check = true })
  assert(not ok and tostring(e) == "std.process.run: 'exit 3' exited with 3", tostring(e))
end)
print("ok")
