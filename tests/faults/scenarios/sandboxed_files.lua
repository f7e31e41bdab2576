-- sandbox
-- std.fs under a Sandbox (fault_sweep makes the root, LB_FAULT_SANDBOX):
-- every operation resolved beneath the root, denials of paths outside,
-- with allocations failing in the path resolution too.
local fs = std.fs
local task = std.task
local root = os.getenv("LB_FAULT_SANDBOX")
local dir = root .. "/w"
if fs.exists(dir) then fs.remove(dir, { recursive = true }) end  -- what a failed run left

-- A denial is kind "denied"; anything else (running out of memory) goes on up.
local function denied(f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, "allowed")
  if type(e) ~= "table" or e.kind ~= "denied" then error(e, 0) end
end

fs.mkdir(dir .. "/a/b", { parents = true })
fs.write(dir .. "/a/f.txt", "one\ntwo\n")
fs.append(dir .. "/a/f.txt", "three\n")
local n = 0
for _ in fs.lines(dir .. "/a/f.txt") do n = n + 1 end
assert(n == 3)
do
  local f <close> = fs.open(dir .. "/a/b/g.txt", "w+")
  f:write("data")
end
assert(fs.read(dir .. "/a/b/g.txt") == "data")
assert(#fs.list(dir .. "/a") == 2)
assert(fs.stat(dir .. "/a/f.txt").size == 14)
fs.rename(dir .. "/a/f.txt", dir .. "/a/b/f.txt")
task.scope(function(s)
  s:spawn(function() assert(fs.exists(dir .. "/a/b/f.txt")) end)
  s:spawn(function() denied(fs.read, root .. "/../etc/passwd") end)
end)
denied(fs.read, "/etc/passwd")
denied(fs.write, root .. "/w/../../escape", "x")
denied(fs.list, "/")
fs.remove(dir, { recursive = true })
assert(not fs.exists(dir))
