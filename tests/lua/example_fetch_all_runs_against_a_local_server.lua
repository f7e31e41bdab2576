-- examples/fetch_all.lua against a real local server (answers, a 404, a
-- refused port, a slow answer cut by the deadline) prints its summary.
-- (examples/notes.lua is the CTest test examples.notes.)
local start_server = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/http_server.lua")
local examples = arg[0]:match("^(.-)[^/]*$") .. "../../examples/"
local base, stop = start_server()
local function run(command)
  local p = io.popen(command .. " 2>&1; echo \"exit=$?\"")
  local out = p:read("a")
  p:close()
  return out
end

local ok, err = pcall(function()
local out = run(("'%s' %sfetch_all.lua --deadline-ms 300 %s/hello %s/missing http://127.0.0.1:1/ %s/slow?ms=5000")
  :format(arg[-1], examples, base, base, base))
assert(out:find("fetched 4 urls in %d+ ms: 2 answered, 1 failed, 1 cut by the 300 ms deadline"), out)
assert(out:find("404", 1, true) and out:find("exit=0", 1, true), out)
end)
stop()
assert(ok, err)
print("ok")
