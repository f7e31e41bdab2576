-- std.fs.open's File: read(n), read_line, lines, read_all, write, seek in
-- the modes of io.open, checked against what Lua's own io library sees.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local fs = std.fs

h.no_fd_leak(function()
  h.with_temp_dir(function(dir)
    local path = dir .. "/f"
    do
      local f <close> = fs.open(path, "w")
      assert(f:write("alpha\n"):write("beta\n") == f)  -- write returns the file
      f:write("gamma")
      assert(f:seek() == 16)
    end
    local lua_file = assert(io.open(path))
    assert(lua_file:read("a") == "alpha\nbeta\ngamma")
    lua_file:close()

    local f <close> = fs.open(path)  -- "r" by default
    assert(f:read(3) == "alp")
    assert(f:read_line() == "ha")
    assert(f:seek() == 6)
    local rest = {}
    for line in f:lines() do rest[#rest + 1] = line end
    assert(table.concat(rest, "|") == "beta|gamma")
    assert(f:read_line() == nil and f:read() == nil and f:read_all() == "")
    assert(f:seek("set", 6) == 6)
    assert(f:read_all() == "beta\ngamma")
    assert(f:seek("end", -5) == 11 and f:read(100) == "gamma")
    assert(not f:is_closed())
    f:close()
    f:close()  -- idempotent
    assert(f:is_closed() and tostring(f):find("closed"))

    -- "a" appends; "r+" reads and overwrites in place; "w+" truncates.
    do
      local a <close> = fs.open(path, "a")
      a:write("!")
    end
    assert(fs.read(path) == "alpha\nbeta\ngamma!")
    do
      local rw <close> = fs.open(path, "r+")
      assert(rw:read(5) == "alpha")
      rw:write("_")
      assert(rw:read_line() == "beta")
      rw:seek("set", 0)
      rw:write("A")
    end
    assert(fs.read(path) == "Alpha_beta\ngamma!")
    do
      local w <close> = fs.open(path, "w+")
      assert(w:read_all() == "")
      w:write("x\ny")
      w:seek("set")
      assert(w:read_line() == "x" and w:read_line() == "y" and w:read_line() == nil)
    end
    assert(fs.read(path) == "x\ny")

    -- A file left to the collector closes its descriptor.
    local before = h.settled_fd_count()
    local function open_and_drop() fs.open(path) end
    open_and_drop()
    local after
    assert(h.eventually(function() after = h.settled_fd_count() return after == before end, 3), after)
  end)
end)
print("ok")
