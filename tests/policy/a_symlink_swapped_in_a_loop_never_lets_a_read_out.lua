-- policy-args: --allow-read root
-- swap: root/swap
-- Another process swaps root/swap between a file and a symlink to
-- outside/secret.txt as fast as it can while this reads it: every read
-- gets the file or is denied, none reads the secret.
local fs = std.fs
local got, refused = 0, 0
for _ = 1, 3000 do
  local ok, r = pcall(fs.read, "root/swap")
  if ok then
    assert(r == "inside", "a read landed outside the root: " .. tostring(r))
    got = got + 1
  else
    assert(type(r) == "table", tostring(r))
    assert(r.kind == "denied" or r.code == "ENOENT", r.message)
    if r.kind == "denied" then
      assert(r.message == "std.fs.read: access to 'root/swap' denied by policy", r.message)
      refused = refused + 1
    end
  end
end
print(("reads %d, denied %d"):format(got, refused))
assert(got > 0 and refused > 0, "the swap never happened under a read")
print("ok")
