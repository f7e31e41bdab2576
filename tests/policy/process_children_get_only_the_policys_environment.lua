-- policy-args: --allow-run /usr/bin/env --allow-env PATH
-- Under a process policy a child inherits only the host variables the
-- policy allows (here PATH; the host has more, HOME among them under
-- ctest), plus what opts.env gives it.
local process = std.process

local function env_of(opts)
  local r = process.run({ "env" }, opts)
  assert(r.code == 0, r.stderr)
  local vars = {}
  for line in r.stdout:gmatch("[^\n]+") do
    local name, value = line:match("^([^=]+)=(.*)$")
    vars[#vars + 1] = name
    vars[name] = value
  end
  table.sort(vars)
  return vars
end

local path = os.getenv("PATH")
assert(path and path ~= "")
local ok, e = pcall(os.getenv, "HOME")
assert(not ok and tostring(e):find("os.getenv: access to 'HOME' denied by policy", 1, true), tostring(e))

local vars = env_of(nil)
assert(#vars == 1 and vars[1] == "PATH" and vars.PATH == path, table.concat(vars, " "))
vars = env_of({ env = { GREETING = "hello", HOME = "/nowhere" } })
assert(table.concat(vars, " ") == "GREETING HOME PATH", table.concat(vars, " "))
assert(vars.GREETING == "hello" and vars.HOME == "/nowhere" and vars.PATH == path)
vars = env_of({ env = { PATH = "/usr/bin" } })
assert(#vars == 1 and vars.PATH == "/usr/bin")
vars = env_of({ clear_env = true, env = { ONLY = "1" } })
assert(#vars == 1 and vars.ONLY == "1")
vars = env_of({ stdout = "capture" })
assert(#vars == 1 and vars[1] == "PATH")
local p = process.spawn({ "env" }, { stdin = "null" })
assert(p.stdout:read_all() == "PATH=" .. path .. "\n")
p:wait()
print("ok")
