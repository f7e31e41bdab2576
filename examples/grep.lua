-- grep.lua - search several files at once for a Lua pattern.
--
--   build/lua-batteries examples/grep.lua PATTERN FILE...
--   build/lua-batteries examples/grep.lua            (searches the examples
--                                                     for "std%.%a+%.%a+")
--
-- One task per file reads it line by line with std.fs.lines (64 KiB at a
-- time on libuv's threadpool, never the whole file), so a large or slow
-- file does not hold up the others, and memory stays small whatever the
-- sizes. Matches are printed per file in the order the files were given,
-- then a count. Exits 1 when nothing matched, 2 when a file cannot be read.
local task, fs = std.task, std.fs

local pattern, files = ..., { select(2, ...) }
if not pattern then
  local dir = arg[0]:match("(.*/)") or "./"
  pattern = "std%.%a+%.%a+"
  for _, name in ipairs(fs.list(dir)) do
    if name:match("%.lua$") then files[#files + 1] = dir .. name end
  end
end

local found, errors = {}, {}
task.scope(function(s)
  for i, path in ipairs(files) do
    found[i] = {}
    s:spawn(function()
      local ok, err = pcall(function()
        local n = 0
        for line in fs.lines(path) do
          n = n + 1
          if line:find(pattern) then
            found[i][#found[i] + 1] = ("%s:%d:%s"):format(path, n, line)
          end
        end
      end)
      if not ok then errors[#errors + 1] = tostring(err) end
    end)
  end
end)

local total = 0
for i = 1, #files do
  for _, line in ipairs(found[i]) do print(line) end
  total = total + #found[i]
end
for _, err in ipairs(errors) do io.stderr:write(err, "\n") end
print(("%d matches in %d files"):format(total, #files))
if #errors > 0 then os.exit(2) end
if total == 0 then os.exit(1) end
