-- What a guarded fiber thread does when the script reaches it (through
-- coroutine.running or the debug library): resuming and closing it are
-- refused as for a running coroutine, and it shows as "normal".
--   local refused = dofile(arg[0]:match("(.*/)") .. "lib/thread_guard.lua")
--   refused(thread, "what it is, for the message")
return function(thread, what)
  local ok, err = coroutine.resume(thread, "injected")
  assert(ok == false and err == "cannot resume non-suspended coroutine", what .. ": " .. tostring(err))
  local cok, cerr = pcall(coroutine.close, thread)
  assert(not cok and tostring(cerr):find("cannot close a normal coroutine", 1, true), what .. ": " .. tostring(cerr))
  assert(coroutine.status(thread) == "normal", what .. ": " .. coroutine.status(thread))
end
