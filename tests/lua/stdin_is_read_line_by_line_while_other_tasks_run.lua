-- std.io.stdin/stdout/stderr are Streams (Files when they are regular
-- files): a script reads its input line by line while its other tasks run,
-- and writing to them goes where the descriptors point. Runs the runner on
-- a child script, its input a pipe, then a file.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local fs, process = std.fs, std.process
local runner = arg[-1]

local child = [[
  local ticks, done = 0, false
  std.task.spawn(function()
    while not done do std.task.sleep(5) ticks = ticks + 1 end
  end)
  local n = 0
  for line in std.io.stdin:lines() do
    n = n + 1
    std.io.stdout:write(("%d:%s\n"):format(n, line))
  end
  done = true
  std.io.stderr:write("ticks " .. ticks .. "\n")
  std.io.stdout:write(tostring(std.io.stdin):match("^%a+") .. " done\n")
]]

h.no_fd_leak(function()
  h.with_temp_dir(function(dir)
    fs.write(dir .. "/child.lua", child)
    -- A pipe: lines written 50 ms apart reach the child one by one, and its
    -- ticker runs meanwhile.
    local p <close> = process.spawn({ runner, dir .. "/child.lua" })
    for i = 1, 4 do
      p.stdin:write("line " .. i .. "\n")
      assert(p.stdout:read_line() == i .. ":line " .. i)
      std.task.sleep(50)
    end
    p.stdin:close()
    assert(p.stdout:read_line() == "Stream done")
    local ticks = tonumber(p.stderr:read_all():match("ticks (%d+)"))
    assert(p:wait() == 0)
    assert(ticks and ticks >= 10, "the ticker did not run while stdin was read: " .. tostring(ticks))

    -- A file as input and as output.
    fs.write(dir .. "/in.txt", "a\nb\nc")
    local r = process.run(("'%s' '%s/child.lua' < '%s/in.txt' > '%s/out.txt'"):format(runner, dir, dir, dir))
    assert(r.code == 0, r.stderr)
    assert(fs.read(dir .. "/out.txt") == "1:a\n2:b\n3:c\nFile done\n", fs.read(dir .. "/out.txt"))
  end)
end)
print("ok")
