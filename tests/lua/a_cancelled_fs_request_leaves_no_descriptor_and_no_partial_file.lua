-- Cancelled std.fs calls: one that had not started does not run; one that
-- was running completes (a read's result is discarded and a file it
-- opened is closed); a write is all or nothing (never a partial file,
-- never a temporary file left behind). Holds whenever the cancellation
-- comes.
local h = dofile(arg[0]:match("(.*/)") .. "lib/io_helpers.lua")
local task, fs = std.task, std.fs

h.no_fd_leak(function()
  h.with_temp_dir(function(dir)
    local data = string.rep("0123456789abcdef", 65536)  -- 1 MiB
    local cancelled = 0
    for _, delay in ipairs({ 0, 1, 2, 5 }) do
      task.scope(function(s)
        for i = 1, 24 do
          s:spawn(function()
            local ok, err = pcall(function()
              fs.write(("%s/w%d"):format(dir, i), data)
              local f <close> = fs.open(("%s/w%d"):format(dir, i))
              assert(#f:read_all() == #data)
              fs.append(("%s/a%d"):format(dir, i), "x")
            end)
            if not ok then
              assert(task.is_cancelled(err), tostring(err))
              cancelled = cancelled + 1
            end
          end)
        end
        if delay > 0 then task.sleep(delay) end
        s:cancel()
      end)
      for _, name in ipairs(fs.list(dir)) do
        assert(name:match("^[wa]%d+$"), "left behind: " .. name)
        if name:sub(1, 1) == "w" then
          assert(fs.read(dir .. "/" .. name) == data, "partial file " .. name)
        else
          assert(#fs.read(dir .. "/" .. name) <= 4)
        end
      end
    end
    assert(cancelled > 0)

    -- A task cancelled before its call starts nothing.
    task.scope(function(s)
      s:cancel()
      local ok, err = pcall(fs.write, dir .. "/never", "x")
      assert(not ok and task.is_cancelled(err))
    end)
    assert(not fs.exists(dir .. "/never"))
  end)
end)
print("ok")
