-- policy-args: --allow-write root
-- Thousands of std.fs calls on paths built at random from `..`, `.`,
-- symlinks that lead out (relative and absolute), /proc magic links and
-- names inside: every call either stays beneath the root or is denied with
-- the spec's text; no read returns the secret outside, no listing shows
-- the outside; run_case.sh then checks nothing outside the root changed.
local fs = std.fs
local parts = { "..", ".", "sub", "link-dir", "abs-link", "a", "b", "data.txt", "link-file", "hard", "dir" }
local prefixes = { "root", "root", "root", "/proc/self/cwd/root", "/proc/self/root", "/", "outside", "." }
local ops = { "read", "write", "append", "open", "lines", "stat", "exists", "list", "mkdir", "remove", "rename" }

local function random_path()
  local p = prefixes[math.random(#prefixes)]
  for _ = 1, math.random(0, 4) do
    p = p .. "/" .. parts[math.random(#parts)]
  end
  return p
end

local denied, done, failed = 0, 0, 0
local function check(op, path, ok, r)
  if ok then
    done = done + 1
    if type(r) == "string" then assert(r ~= "secret", op .. " " .. path .. " read the secret") end
    if type(r) == "table" and op == "list" then
      for _, name in ipairs(r) do
        assert(name ~= "secret.txt" and name ~= "hardlinked.txt", "list " .. path .. " showed the outside")
      end
    end
    return
  end
  assert(type(r) == "table", op .. " " .. path .. ": " .. tostring(r))
  if r.kind == "denied" then
    denied = denied + 1
    assert(r.message:match("^std%.fs%.%a+: access to '.*' denied by policy$"), r.message)
  else
    failed = failed + 1
    assert(r.kind == "io", r.message)
  end
end

math.randomseed(20261202)
for _ = 1, 4000 do
  local op, path = ops[math.random(#ops)], random_path()
  local ok, r
  if op == "read" then
    ok, r = pcall(fs.read, path)
  elseif op == "write" or op == "append" then
    ok, r = pcall(fs[op], path, "x")
  elseif op == "open" then
    ok, r = pcall(fs.open, path, ({ "r", "w", "a", "r+" })[math.random(4)])
    if ok then
      if math.random(2) == 1 then pcall(r.write, r, "y") end
      local rok, text = pcall(r.read_all, r)
      if rok and text then assert(text ~= "secret", "open " .. path .. " read the secret") end
      r:close()
    end
  elseif op == "lines" then
    ok, r = pcall(function()
      for line in fs.lines(path) do assert(line ~= "secret", "lines " .. path .. " read the secret") end
    end)
  elseif op == "mkdir" then
    ok, r = pcall(fs.mkdir, path, { parents = math.random(2) == 1 })
  elseif op == "remove" then
    ok, r = pcall(fs.remove, path, { recursive = math.random(2) == 1 })
  elseif op == "rename" then
    ok, r = pcall(fs.rename, path, random_path())
  else
    ok, r = pcall(fs[op], path)
  end
  check(op, path, ok, r)
end
print(("done %d, denied %d, failed %d"):format(done, denied, failed))
assert(done > 0 and denied > 0)
print("ok")
