-- temp_db(): a path for a new SQLite file in a fresh temporary directory,
-- and a function that removes it (with its -wal and -shm files).
-- Loaded by the tests with
--   local temp_db = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/temp_db.lua")
return function()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p '" .. dir .. "'"))
  local path = dir .. "/test.db"
  return path, function()
    for _, suffix in ipairs({"", "-wal", "-shm", "-journal"}) do os.remove(path .. suffix) end
    os.remove(dir)
  end
end
