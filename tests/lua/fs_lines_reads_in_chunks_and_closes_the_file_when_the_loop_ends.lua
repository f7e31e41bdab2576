-- std.fs.lines reads a file of many chunks line by line (a final line
-- without "\n" included) and closes it at the end and on an early break.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local fs = std.fs

h.no_fd_leak(function()
  h.with_temp_dir(function(dir)
    local path = dir .. "/lines"
    local parts = {}
    for i = 1, 50000 do parts[i] = ("line %d %s"):format(i, string.rep("x", i % 37)) end
    fs.write(path, table.concat(parts, "\n"))  -- about 1.3 MB, no final newline

    local n = 0
    for line in fs.lines(path) do
      n = n + 1
      assert(line == parts[n], n)
    end
    assert(n == 50000, n)

    local fds = h.settled_fd_count()
    local seen = 0
    for line in fs.lines(path) do
      seen = seen + 1
      if line == "line 10 xxxxxxxxxx" then break end
    end
    assert(seen == 10, seen)
    std.task.sleep(1)  -- only the listing's pipes need a turn; the file closes at once
    assert(h.fd_count() == fds, "break leaves the file open")

    fs.write(path, "")
    for _ in fs.lines(path) do error("an empty file has no lines") end
    fs.write(path, "\n\n")
    local count = 0
    for line in fs.lines(path) do
      assert(line == "")
      count = count + 1
    end
    assert(count == 2)
  end)
end)
print("ok")
