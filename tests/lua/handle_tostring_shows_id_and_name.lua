-- Handle fields and tostring: .id, .name (nil when unnamed), and
-- tostring(h) showing both.
local task = std.task
local named = task.spawn(function() end, { name = "fetch-users" })
assert(named.name == "fetch-users")
local s = tostring(named)
assert(s:find(named.id, 1, true), "tostring lacks the id: " .. s)
assert(s:find("fetch-users", 1, true), "tostring lacks the name: " .. s)
local anon = task.spawn(function() end)
assert(anon.name == nil)
local a = tostring(anon)
assert(a:find(anon.id, 1, true), "tostring lacks the id: " .. a)
assert(type(anon.id) == "string" and anon.id:match("^t%d+$"))
-- the id stays the same after the task finished
local id = named.id
named:join()
anon:join()
assert(named.id == id and tostring(named):find(id, 1, true))
-- ids of different tasks differ even with equal names
local twin = task.spawn(function() end, { name = "fetch-users" })
assert(twin.id ~= named.id and tostring(twin) ~= tostring(named))
twin:join()
print("ok")
