-- policy-args: --sandbox
-- Under --sandbox the standard library's unguarded ways out are gone:
-- io, debug, os.execute/remove/rename/tmpname, package.loadlib, C
-- modules and Lua files by require, loadfile, dofile, binary chunks; and
-- os.getenv reads nothing not granted. No std module reaches a file.
assert(io == nil and package.loaded.io == nil)
assert(debug == nil and package.loaded.debug == nil)
assert(os.execute == nil and os.remove == nil and os.rename == nil and os.tmpname == nil)
assert(package.loadlib == nil and loadfile == nil and dofile == nil)
assert(std.process == nil and std.net == nil and std.http == nil)
local ok, e = pcall(require, "lpeg")
assert(not ok and e:find("module 'lpeg' not found", 1, true), e)
ok, e = pcall(require, "socket.core")
assert(not ok and not e:find("cpath", 1, true), e)
local chunk = string.dump(function() return 42 end)
local f, err = load(chunk)
assert(f == nil and err:find("attempt to load a binary chunk", 1, true), err)
f, err = load(chunk, "=x", "b")
assert(f == nil and err:find("binary chunk", 1, true), err)
assert(load("return 1 + 1")() == 2)
ok, e = pcall(os.getenv, "HOME")
assert(not ok and e:find("os.getenv: access to 'HOME' denied by policy", 1, true), e)
ok, e = pcall(std.fs.read, "root/data.txt")
assert(not ok and e.kind == "denied")
ok, e = pcall(std.fs.list, ".")
assert(not ok and e.message == "std.fs.list: access to '.' denied by policy", e.message)
print("ok")
