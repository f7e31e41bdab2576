-- Every misuse of the coordination primitives raises its exact text; a
-- method called on the wrong object raises Lua's standard argument error.
local task = std.task
local function raises(want, fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error: " .. want)
  assert(tostring(err) == want, ("got %q, expected %q"):format(tostring(err), want))
end

-- obj.<m>(bad), called by name as a script would, so that Lua names it
-- (the error then starts with the caller's position, left out here)
local function method_raises(want, obj, m, bad)
  local ok, err = pcall(load("local obj, bad = ...; obj." .. m .. "(bad)", "=call"), obj, bad)
  assert(not ok, "expected an error: " .. want)
  err = tostring(err):gsub("^call:1: ", "")
  assert(err == want, ("got %q, expected %q"):format(err, want))
end

-- channel
raises("std.task.channel: capacity must be a non-negative integer or math.huge, got -1", task.channel, -1)
raises("std.task.channel: capacity must be a non-negative integer or math.huge, got 1.5", task.channel, 1.5)
raises("std.task.channel: capacity must be a non-negative integer or math.huge, got -inf", task.channel, -math.huge)
raises("std.task.channel: capacity must be a non-negative integer or math.huge, got string", task.channel, "4")
raises("std.task.channel: capacity must be a non-negative integer or math.huge, got table", task.channel, {})
local ch = task.channel(1)
raises("std.task.channel: cannot send nil", ch.send, ch, nil)
raises("std.task.channel: cannot send nil", ch.send, ch)
raises("std.task.channel: cannot send nil", ch.try_send, ch, nil)
ch:close()
raises("std.task.channel: send on a closed channel", ch.send, ch, 1)
raises("std.task.channel: send on a closed channel", ch.try_send, ch, 1)
for _, m in ipairs({ "send", "recv", "try_send", "try_recv", "close", "iter", "len", "capacity", "is_closed" }) do
  method_raises("bad argument #1 to '" .. m .. "' (std.task.Channel expected, got table)", ch, m, {})
end
method_raises("bad argument #1 to 'send' (std.task.Channel expected, got std.task.Event)", ch, "send", task.event())

-- event
local ev = task.event()
for _, m in ipairs({ "set", "is_set", "wait" }) do
  method_raises("bad argument #1 to '" .. m .. "' (std.task.Event expected, got number)", ev, m, 1)
end

-- semaphore and permit
for _, bad in ipairs({ 0, -3 }) do
  raises("std.task.semaphore: n must be a positive integer, got " .. bad, task.semaphore, bad)
end
raises("std.task.semaphore: n must be a positive integer, got 2.5", task.semaphore, 2.5)
raises("std.task.semaphore: n must be a positive integer, got inf", task.semaphore, math.huge)
raises("std.task.semaphore: n must be a positive integer, got no value", task.semaphore)
local sem = task.semaphore(1)
for _, m in ipairs({ "acquire", "try_acquire", "available", "waiting" }) do
  method_raises("bad argument #1 to '" .. m .. "' (std.task.Semaphore expected, got nil)", sem, m, nil)
end
local p = sem:acquire()
method_raises("bad argument #1 to 'release' (std.task.Permit expected, got std.task.Semaphore)", p, "release", sem)

-- select
method_raises("bad argument #1 to 'select' (table expected, got nil)", task, "select")
raises("std.task.select: channels must not be empty", task.select, {})
raises("std.task.select: channels[2] must be a Channel, got string", task.select, { task.channel(), "x" })

-- gather and race
method_raises("bad argument #1 to 'gather' (table expected, got string)", task, "gather", "f")
raises("std.task.gather: fns[2] must be a function, got number", task.gather, { print, 3 })
raises("std.task.gather: unknown opts key 'limit' (expected 'concurrency')", task.gather, {}, { limit = 2 })
raises("std.task.gather: opts keys must be strings, got integer", task.gather, {}, { 2 })
raises("std.task.gather: opts.concurrency must be a positive integer, got 0", task.gather, {}, { concurrency = 0 })
raises("std.task.gather: opts.concurrency must be a positive integer, got string", task.gather, {}, { concurrency = "2" })
local ok, err = pcall(function() task.gather({}, 5) end)
assert(not ok and tostring(err):find("bad argument #2 to 'gather' (table expected, got number)", 1, true), tostring(err))
method_raises("bad argument #1 to 'race' (table expected, got nil)", task, "race")
raises("std.task.race: fns must not be empty", task.race, {})
raises("std.task.race: fns[1] must be a function, got table", task.race, { {} })

-- the objects describe themselves and hide their metatables
assert(tostring(task.channel(4)):match("^channel: 0x%x+ %(capacity 4, 0 buffered%)$"), tostring(task.channel(4)))
assert(tostring(task.channel(math.huge)):match("^channel: 0x%x+ %(unbounded, 0 buffered%)$"))
assert(tostring(ch):match("%(capacity 1, 0 buffered, closed%)$"), tostring(ch))
assert(tostring(ev):match("^event: 0x%x+ %(not set, 0 waiting%)$"), tostring(ev))
assert(tostring(sem):match("^semaphore: 0x%x+ %(0 of 1 available, 0 waiting%)$"), tostring(sem))
assert(tostring(p):match("^permit: 0x%x+ %(held%)$"))
p:release()
assert(tostring(p):match("%(released%)$"))
assert(getmetatable(ch) == "Channel" and getmetatable(ev) == "Event" and getmetatable(sem) == "Semaphore" and
  getmetatable(p) == "Permit")
print("ok")
