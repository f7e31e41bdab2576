-- expect-exit: 1
-- expect-stderr: task cancelled
-- An uncaught runtime error object is printed through its __tostring.
local tok = std.task.cancel_token()
tok:cancel()
tok:check()
