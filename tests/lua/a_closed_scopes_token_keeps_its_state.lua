-- A scope that has closed still answers :token() and :cancel() as before:
-- the same CancelToken object every time, cancelled if the scope was, and
-- cancelled by a later :cancel(), whether or not anyone asked for the
-- token before the scope closed.
local task = std.task

local function closed_scope(body)
  local saved
  task.scope(function(s) saved = s; if body then body(s) end end)
  return saved
end

-- never asked for while open, not cancelled
local quiet = closed_scope()
local tok = quiet:token()
assert(tok:is_cancelled() == false)
assert(rawequal(tok, quiet:token()), "token() must return the same object")
assert(pcall(tok.check, tok))
quiet:cancel()
assert(tok:is_cancelled() == true, "cancel() after close must show on the token")
local ok, err = pcall(tok.check, tok)
assert(not ok and task.is_cancelled(err), tostring(err))

-- never asked for while open, cancelled while open
local cancelled = closed_scope(function(s) s:cancel() end)
assert(cancelled:token():is_cancelled() == true)

-- cancelled after close, then asked for
local late = closed_scope()
late:cancel()
assert(late:token():is_cancelled() == true)

-- taken while open: the same object afterwards, and it follows cancel()
local taken
local open = closed_scope(function(s) taken = s:token() end)
assert(rawequal(open:token(), taken))
assert(taken:is_cancelled() == false)
open:cancel()
assert(taken:is_cancelled() == true)

-- a closed scope refuses spawns as before
local sok, serr = pcall(open.spawn, open, function() end)
assert(not sok and tostring(serr):find("scope is closed", 1, true), tostring(serr))
print("ok")
