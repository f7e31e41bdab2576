-- Soak: builds random trees of spawns, scopes, timeouts, cancels, aborts
-- and errors for a while, and samples memory between rounds after a full
-- collection. Fails (exit 1) unless, at the end, memory is back near the
-- baseline taken after a warm-up:
--   collectgarbage("count")   within 64 KB of the baseline, not counting
--                             the idle threads the runtime keeps for reuse
--   RSS (/proc/self/statm)    within 8 MB of the baseline
--   registry entries          exactly as many as at the baseline
--   Handles                   none alive (weak table) after a collection
--   __close handlers          each ran exactly once for every value that
--                             became to-be-closed (each one left is
--                             named by its site: how its tree was
--                             reached > what the tree did, and whether
--                             its __close had started)
--
--   lua-batteries tests/soak/soak.lua [SECONDS] [SEED] [CLOSE_SPIN]
-- SECONDS defaults to 600, SEED to 1. CLOSE_SPIN (default 0) makes each
-- __close handler spin that many loop iterations between starting and
-- recording itself, so that time slicing (--slice-ms) and hard aborts
-- land inside running handlers: 20000 with --slice-ms 1 preempts many.
-- Prints one line per sample and a summary.
local task = std.task
local clock = std.time.monotonic

local seconds = tonumber(arg and arg[1]) or 600
local seed = tonumber(arg and arg[2]) or 1
local close_spin = tonumber(arg and arg[3]) or 0
math.randomseed(seed)
local rng = math.random
local sample_every = math.max(1, math.min(60, seconds / 5))

local page_kb = 4
do -- the kernel's page size, for statm's page counts
  local p = io.popen and io.popen("getconf PAGESIZE 2>/dev/null")
  local size = p and tonumber(p:read("l") or "")
  if p then p:close() end
  if size then page_kb = size // 1024 end
end

local function rss_kb()
  local f = assert(io.open("/proc/self/statm"))
  local line = f:read("l")
  f:close()
  local resident = line:match("^%d+%s+(%d+)")
  return tonumber(resident) * page_kb
end

local function peak_rss_kb()
  local f = io.open("/proc/self/status")
  if not f then return 0 end
  local text = f:read("a")
  f:close()
  return tonumber(text:match("VmHWM:%s*(%d+)")) or 0
end

-- Live registry entries. luaL_unref leaves an integer in a freed slot
-- (the free list), so integers are not counted: the runtime's references
-- are threads, userdata and tables.
local function registry_entries()
  local n = 0
  for _, v in pairs(debug.getregistry()) do
    if math.type(v) ~= "integer" then n = n + 1 end
  end
  return n
end

-- Every Handle ever made, weakly: after a collection none may be left.
local live_handles = setmetatable({}, {__mode = "k"})
local function handles_alive()
  local n = 0
  for _ in pairs(live_handles) do n = n + 1 end
  return n
end

-- To-be-closed values whose __close has not run yet. A value is entered
-- only once its variable holds it: a hard abort can stop a task at any
-- instruction (a preemption point), including between making a value and
-- declaring it <close>, and a value that never became to-be-closed has
-- nothing to run. Entering it is one table store, so an abort lands either
-- before it (the __close that follows finds no entry, which is fine) or
-- after it.
local stats = {tasks = 0, trees = 0, closes_made = 0, closes_run = 0, closed_twice = 0}
local unclosed = {}
local closed = setmetatable({}, {__mode = "k"})
local closer_mt = {
  __close = function(value)
    if closed[value] then stats.closed_twice = stats.closed_twice + 1 end
    closed[value] = true
    for _ = 1, close_spin do end
    if unclosed[value] then
      unclosed[value] = nil
      stats.closes_run = stats.closes_run + 1
    end
  end,
}
-- The site a value stands for (how its tree was reached, then what the
-- tree did), so that a value left unclosed says where it came from.
local function declared(value, site)
  unclosed[value] = site
  stats.closes_made = stats.closes_made + 1
end

local function spawn_in(s, fn)
  stats.tasks = stats.tasks + 1
  local h = s:spawn(fn)
  live_handles[h] = true
  return h
end

-- Tasks spawned into the root scope outlive their round when their joiner
-- is cancelled; samples wait for them, so that they measure only what is
-- left behind. (Handles, not a counter in the task: a task aborted before
-- it started runs none of its code.)
local root_tasks = {}
local ROOT = {
  spawn = function(_, fn)
    local h = task.spawn(fn)
    root_tasks[h] = true
    return h
  end,
}
local function forget_finished_root_tasks()
  for h in pairs(root_tasks) do
    if h:is_finished() then root_tasks[h] = nil end
  end
end

-- One random subtree, run by the calling task.
local KINDS = {"sleep", "scope", "timeout", "scope-cancel", "aborted-task", "failing-task", "coroutine"}
local function tree(depth, via)
  local closing <close> = setmetatable({}, closer_mt)
  declared(closing, via)
  local kind = depth <= 0 and 1 or rng(7)
  unclosed[closing] = unclosed[closing] and via .. ">" .. KINDS[kind]
  if kind == 1 then
    task.sleep(rng(0, 3))
  elseif kind == 2 then -- a scope and its children
    task.scope(function(s)
      for _ = 1, rng(1, 4) do spawn_in(s, function() tree(depth - 1, KINDS[2]) end) end
    end)
  elseif kind == 3 then -- a timeout that may expire, children included
    pcall(task.with_timeout, rng(1, 6), function(s)
      for _ = 1, rng(1, 4) do spawn_in(s, function() tree(depth - 1, KINDS[3]) end) end
      task.sleep(rng(0, 8))
    end, {grace_ms = rng(0, 3)})
  elseif kind == 4 then -- a scope cancelled from its body
    pcall(task.scope, function(s)
      for _ = 1, rng(1, 4) do spawn_in(s, function() tree(depth - 1, KINDS[4]) end) end
      task.sleep(rng(0, 2))
      s:cancel()
    end)
  elseif kind == 5 then -- a task hard-aborted, then joined
    local h = spawn_in(ROOT, function() tree(depth - 1, KINDS[5]) end)
    task.sleep(rng(0, 2))
    h:abort()
    pcall(h.join, h)
  elseif kind == 6 then -- a failing task, joined
    local h = spawn_in(ROOT, function()
      tree(depth - 1, KINDS[6])
      error("soak failure", 0)
    end)
    pcall(h.join, h)
  else -- a coroutine of the script's own that suspends the task
    local co = coroutine.wrap(function()
      tree(depth - 1, KINDS[7])
      coroutine.yield()
      task.sleep(rng(0, 1))
    end)
    co()
    co()
  end
end

-- A round: several trees side by side in one scope.
local function round()
  task.scope(function(s)
    for _ = 1, 8 do
      spawn_in(s, function() tree(4, "round") end)
      stats.trees = stats.trees + 1
    end
  end)
  forget_finished_root_tasks()
end

-- Idle threads the runtime keeps for reuse (thread values of registry
-- tables: its pools). Their number follows the last rounds' concurrency,
-- up to the pools' capacity, so the heap is compared without them, at
-- the size of a thread measured here.
local function pooled_threads()
  local n = 0
  for _, v in pairs(debug.getregistry()) do
    if type(v) == "table" then
      for _, x in pairs(v) do
        if type(x) == "thread" then n = n + 1 end
      end
    end
  end
  return n
end

local thread_kb do
  collectgarbage("collect")
  local before = collectgarbage("count")
  local threads = {}
  for i = 1, 200 do threads[i] = coroutine.create(print) end
  collectgarbage("collect")
  thread_kb = (collectgarbage("count") - before) / #threads
end

local function sample()
  while next(root_tasks) do
    task.sleep(1)
    forget_finished_root_tasks()
  end
  collectgarbage("collect")
  collectgarbage("collect")
  local pooled = pooled_threads()
  local lua_kb = collectgarbage("count")
  return {lua_kb = lua_kb, pooled = pooled, lua_unpooled_kb = lua_kb - pooled * thread_kb, rss_kb = rss_kb(),
          registry = registry_entries(), handles = handles_alive()}
end

local function show(label, t0, s)
  print(("%-8s t=%6.1fs tasks=%-8d lua=%8.1f KB (%d pooled threads)  rss=%7d KB  registry=%d  handles=%d"):format(
    label, clock() - t0, stats.tasks, s.lua_kb, s.pooled, s.rss_kb, s.registry, s.handles))
end

local t0 = clock()
for _ = 1, 20 do round() end -- warm-up: caches, interned strings, loop structures
local base = sample()
show("baseline", t0, base)
local deadline = t0 + seconds
local next_sample = clock() + sample_every
while clock() < deadline do
  round()
  if clock() >= next_sample then
    show("sample", t0, sample())
    next_sample = clock() + sample_every
  end
end
local final = sample()
show("final", t0, final)
print(("soak: %.0f s, %d tasks in %d trees, peak RSS %d KB"):format(clock() - t0, stats.tasks, stats.trees, peak_rss_kb()))
print(("soak: Lua heap %.1f -> %.1f KB (without pooled threads of %.2f KB: %.1f -> %.1f), RSS %d -> %d KB, registry %d -> %d, handles alive %d"):format(
  base.lua_kb, final.lua_kb, thread_kb, base.lua_unpooled_kb, final.lua_unpooled_kb, base.rss_kb, final.rss_kb,
  base.registry, final.registry, final.handles))

local problems = {}
if final.lua_unpooled_kb > base.lua_unpooled_kb + 64 then problems[#problems + 1] = "Lua heap grew" end
if final.rss_kb > base.rss_kb + 8 * 1024 then problems[#problems + 1] = "RSS grew" end
if final.registry ~= base.registry then problems[#problems + 1] = "registry entries left" end
if final.handles ~= 0 then problems[#problems + 1] = "Handles still alive" end
local never_closed = 0
for _ in pairs(unclosed) do never_closed = never_closed + 1 end
if stats.closed_twice > 0 then
  problems[#problems + 1] = ("%d __close handlers ran twice"):format(stats.closed_twice)
end
if never_closed > 0 then
  problems[#problems + 1] = ("%d of %d to-be-closed values never had their __close run"):format(never_closed, stats.closes_made)
  for value, site in pairs(unclosed) do
    io.stderr:write("soak: never closed: ", tostring(site), closed[value] and " (its __close had started)" or "", "\n")
  end
end
if #problems > 0 then
  io.stderr:write("soak: FAILED: " .. table.concat(problems, "; ") .. "\n")
  os.exit(1)
end
print("soak: ok")
