-- A std.fs call that changes something (write, append, open "w", a File's
-- write, mkdir, remove, rename) and whose request already ran when its
-- task is cancelled returns its result: the change happened, so the call
-- says so, and the cancellation is seen at the task's next suspension
-- point. A read that ran is discarded (nothing of it reached the script)
-- and closes what it opened.
--
-- Ordering without timing: the loop thread is held with Lua's blocking io
-- until the request's effect is visible (it runs on the threadpool
-- meanwhile), and the cancel comes in that same loop turn, before the loop
-- has seen the request finish.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, fs = std.task, std.fs

local function content(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function exists(path)
  local f = io.open(path, "rb")  -- a directory opens too
  if f then f:close() end
  return f ~= nil
end

-- Runs call() in a task that is cancelled once effect() holds (then
-- release(), if given, lets its request finish); returns what the call gave
-- (pcall's results) and what the task's next suspension point gave.
local function cancel_after(call, effect, release)
  local returned, next_point
  task.scope(function(s)
    s:spawn(function()
      returned = table.pack(pcall(call))
      next_point = table.pack(pcall(task.checkpoint))
    end)
    task.yield()  -- the task starts its request and waits for it
    while not effect() do end  -- the loop is held: no completion is seen
    s:cancel()
    if release then release() end
  end)  -- waits for the task
  return returned, next_point
end

local function expect_returned(name, returned, next_point)
  assert(returned[1], name .. " raised: " .. tostring(returned[2]))
  assert(not next_point[1] and task.is_cancelled(next_point[2]),
    name .. ": the next suspension point did not raise task cancelled")
end

h.no_fd_leak(function()
  h.with_temp_dir(function(dir)
    local p = dir .. "/f"
    fs.write(p, "old")

    local r, n = cancel_after(function() fs.write(p, "new") end,
      function() return content(p) == "new" end)
    expect_returned("fs.write", r, n)

    r, n = cancel_after(function() fs.append(p, "+more") end,
      function() return content(p) == "new+more" end)
    expect_returned("fs.append", r, n)

    r, n = cancel_after(function() fs.mkdir(dir .. "/d") end,
      function() return exists(dir .. "/d") end)
    expect_returned("fs.mkdir", r, n)

    r, n = cancel_after(function() fs.rename(p, dir .. "/g") end,
      function() return exists(dir .. "/g") end)
    expect_returned("fs.rename", r, n)

    r, n = cancel_after(function() fs.remove(dir .. "/g") end,
      function() return not exists(dir .. "/g") end)
    expect_returned("fs.remove", r, n)

    -- open "w" creates the file: the call returns the File (which the
    -- scope it was opened in closed when it ended).
    local file
    r, n = cancel_after(function()
      file = fs.open(dir .. "/w", "w")
      return file
    end, function() return exists(dir .. "/w") end)
    expect_returned("fs.open 'w'", r, n)
    assert(r[2] == file and file:is_closed(), "the File was not returned, or its scope left it open")

    -- A File's write moves its position as the write happened.
    do
      local f <close> = fs.open(dir .. "/h", "w")
      local pos
      r, n = cancel_after(function()
        f:write("12345")
        pos = f:seek()
      end, function() return content(dir .. "/h") == "12345" end)
      expect_returned("file:write", r, n)
      assert(pos == 5)
      f:write("6")
      f:close()
      assert(content(dir .. "/h") == "123456")
    end

    -- Reads that ran are discarded: they raise task cancelled and leave no
    -- descriptor (checked by no_fd_leak). A FIFO holds the request open
    -- on the threadpool: Lua's blocking open of its writing end returns
    -- once the request has opened the reading end.
    local fifo = dir .. "/fifo"
    assert(std.process.run({ "mkfifo", fifo }).code == 0)
    for _, case in ipairs({
      { "fs.read", function() return fs.read(fifo) end },
      { "fs.open 'r'", function() return fs.open(fifo) end },
    }) do
      local writer
      r, n = cancel_after(case[2], function()
        writer = io.open(fifo, "w")
        return true
      end, function()
        writer:write("data")
        writer:close()  -- the read gets its end of input
      end)
      assert(not r[1] and task.is_cancelled(r[2]), case[1] .. " returned after its task was cancelled")
    end
  end)
end)
print("ok")
