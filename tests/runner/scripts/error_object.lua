-- An uncaught runtime error object (a cancellation).
local token = std.task.cancel_token()
token:cancel()
token:check()
