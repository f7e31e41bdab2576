-- Methods reached through one object type's __index refuse to work on
-- anything else, and __index called by hand on a foreign value answers
-- method names but raises for fields that need the object.
local task = std.task

local function fails(pattern, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error matching " .. pattern)
  assert(tostring(err):find(pattern), "unexpected error: " .. tostring(err))
end

local h = task.spawn(function() return "value" end)
local tok = task.cancel_token()
-- A named scope: its __index is a function (for `name`); an unnamed one's
-- is the methods table (below).
task.scope("named", function(s)
  -- A method taken from one object and called with another as self.
  fails("bad argument #1", h.join, s)
  fails("bad argument #1", h.join, tok)
  fails("bad argument #1", h.join, 42)
  fails("bad argument #1", s.spawn, h, function() end)
  fails("bad argument #1", s.cancel, {})
  fails("bad argument #1", tok.cancel, s)

  -- __index itself, called on foreign values through the debug library.
  local handle_index = debug.getmetatable(h).__index
  local scope_index = debug.getmetatable(s).__index
  assert(handle_index(42, "join") == h.join, "a method name answers the method")
  assert(scope_index("x", "spawn") == s.spawn, "a method name answers the method")
  fails("bad argument #1", handle_index, 42, "id")
  fails("bad argument #1", handle_index, s, "name")
  fails("bad argument #1", scope_index, h, "name")
  fails("bad argument #1", scope_index, nil, "name")

  -- The objects themselves still answer fields and unknown keys.
  assert(type(h.id) == "string")
  assert(h.name == nil and s.name == "named" and h.no_such_field == nil and s.no_such_field == nil)
end)
task.scope(function(s)
  fails("bad argument #1", s.spawn, h, function() end)
  fails("bad argument #1", s.cancel, {})
  local methods = debug.getmetatable(s).__index
  assert(type(methods) == "table" and methods.spawn == s.spawn, "an unnamed scope's methods")
  assert(s.name == nil and s.no_such_field == nil)
end)
assert(h:join() == "value")
print("ok")
