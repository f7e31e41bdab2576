-- An error value whose __tostring raises is still delivered unchanged by
-- join, scope and with_timeout, and the observer's reports of it (the
-- task's failure) do not break the run.
local task = std.task
local hostile = setmetatable({}, { __tostring = function() error("tostring refused") end })
local h = task.spawn(function() error(hostile) end)
local ok, err = pcall(h.join, h)
assert(not ok and rawequal(err, hostile))
ok, err = pcall(task.scope, function() error(hostile) end)
assert(not ok and rawequal(err, hostile))
ok, err = pcall(task.with_timeout, 1000, function() error(hostile) end)
assert(not ok and rawequal(err, hostile))
-- __tostring returning a non-string is Lua's own error, caught the same way
local odd = setmetatable({}, { __tostring = function() return 42 end })
h = task.spawn(function() error(odd) end)
ok, err = pcall(h.join, h)
assert(not ok and rawequal(err, odd))
print("ok")
