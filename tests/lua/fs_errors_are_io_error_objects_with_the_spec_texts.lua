-- Failures of std.fs raise io error objects: kind, code, op and the message
-- "<op>: <what> '<target>': <text> (<code>)"; bad arguments raise plain
-- errors naming the function.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local fs = std.fs

local function fails(fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error")
  return err
end

h.no_fd_leak(function()
  h.with_temp_dir(function(dir)
    local err = fails(fs.read, "x.txt-does-not-exist")
    assert(err.kind == "io" and err.code == "ENOENT" and err.op == "std.fs.read", tostring(err))
    assert(tostring(err) == "std.fs.read: cannot open 'x.txt-does-not-exist': no such file or directory (ENOENT)",
      tostring(err))
    assert(("" .. err):find("ENOENT", 1, true))

    err = fails(fs.write, dir .. "/no/such/dir/f", "x")
    assert(err.code == "ENOENT" and err.op == "std.fs.write", tostring(err))
    assert(tostring(err):find("std.fs.write: cannot write '" .. dir .. "/no/such/dir/f': ", 1, true) == 1, tostring(err))

    err = fails(fs.list, dir .. "/none")
    assert(err.code == "ENOENT" and tostring(err):find("^std.fs.list: cannot list '"), tostring(err))
    fs.mkdir(dir .. "/d")
    err = fails(fs.mkdir, dir .. "/d")
    assert(err.code == "EEXIST" and tostring(err):find("^std.fs.mkdir: cannot create directory '"), tostring(err))
    fs.write(dir .. "/d/f", "x")
    err = fails(fs.remove, dir .. "/d")
    assert(err.code == "ENOTEMPTY" and err.op == "std.fs.remove", tostring(err))
    err = fails(fs.rename, dir .. "/none", dir .. "/other")
    assert(err.code == "ENOENT" and tostring(err):find("^std.fs.rename: cannot rename '"), tostring(err))
    err = fails(fs.read, dir)  -- a directory cannot be read as a file
    assert(err.code == "EISDIR" and tostring(err):find("^std.fs.read: cannot read '"), tostring(err))
    err = fails(fs.lines, dir .. "/none")
    assert(err.code == "ENOENT" and err.op == "std.fs.lines", tostring(err))

    local f <close> = fs.open(dir .. "/d/f", "r")
    err = fails(f.write, f, "not writable")
    assert(err.code == "EBADF" and err.op == "file:write", tostring(err))
    f:close()
    err = fails(f.read, f)
    assert(err == "std.fs: file is closed" or tostring(err):find("std.fs: file is closed", 1, true), tostring(err))
  end)
end)

assert(tostring(fails(fs.read)):find("bad argument #1 to 'std.fs.read' (string expected", 1, true))
assert(tostring(fails(fs.open, "/tmp", "rw")):find("invalid mode", 1, true))
assert(tostring(fails(fs.mkdir, "/tmp/x", { parents = 1 })):find("std.fs.mkdir: opts.parents must be a boolean", 1, true))
print("ok")
