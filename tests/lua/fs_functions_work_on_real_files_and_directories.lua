-- std.fs's functions on real files: read, write, append, stat, exists,
-- list (sorted), mkdir (with parents), remove (recursive), rename.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local fs = std.fs

h.no_fd_leak(function()
  h.with_temp_dir(function(dir)
    local a = dir .. "/a.txt"
    fs.write(a, "one\n")
    assert(fs.read(a) == "one\n")
    fs.append(a, "two\n")
    fs.append(dir .. "/new.txt", "created by append")
    assert(fs.read(a) == "one\ntwo\n")
    assert(fs.read(dir .. "/new.txt") == "created by append")
    fs.write(a, "")
    assert(fs.read(a) == "")
    -- Binary data and a file larger than one threadpool chunk.
    local big = string.rep("\0\1\2\255", 100000)
    fs.write(a, big)
    assert(fs.read(a) == big)

    local st = fs.stat(a)
    assert(st.type == "file" and st.size == #big, st.type)
    assert(math.type(st.mode) == "integer" and st.mode & 0x180 == 0x180)  -- owner rw
    assert(math.abs(st.mtime - os.time()) < 60, st.mtime)
    assert(fs.stat(dir).type == "directory")
    assert(fs.stat(dir .. "/none") == nil)
    assert(fs.stat(a .. "/below_a_file") == nil)
    assert(fs.exists(a) and fs.exists(dir) and not fs.exists(dir .. "/none"))

    fs.mkdir(dir .. "/x/y/z", { parents = true })
    fs.mkdir(dir .. "/x/y/z", { parents = true })  -- exists: fine with parents
    fs.write(dir .. "/x/y/z/f", "deep")
    fs.write(dir .. "/x/b", "b")
    local names = fs.list(dir)
    assert(table.concat(names, ",") == "a.txt,new.txt,x", table.concat(names, ","))
    assert(#fs.list(dir .. "/x/y/z") == 1)

    fs.rename(a, dir .. "/renamed")
    assert(not fs.exists(a) and fs.read(dir .. "/renamed") == big)
    fs.remove(dir .. "/renamed")
    assert(not fs.exists(dir .. "/renamed"))
    fs.remove(dir .. "/x", { recursive = true })
    assert(not fs.exists(dir .. "/x"))
    fs.mkdir(dir .. "/empty")
    fs.remove(dir .. "/empty")  -- an empty directory without recursive
    assert(not fs.exists(dir .. "/empty"))
    -- Symbolic links are reported as links.
    std.process.run({ "ln", "-s", "new.txt", dir .. "/link" })
    assert(fs.stat(dir .. "/link").type == "link")
  end)
end)

-- require finds it too.
assert(require("std.fs") == std.fs)
print("ok")
