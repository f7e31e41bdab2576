-- std.json's limits: nesting deeper than 128 levels is refused with an
-- error (never a crash), in both directions and at any depth of hostile
-- input; a table that references itself is caught the same way; a text
-- that would exceed 64 MiB is not produced.
local json = std.json
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")

-- 128 levels are fine, 129 are not
local ok128 = string.rep("[", 128) .. string.rep("]", 128)
assert(type(json.decode(ok128)) == "table")
expect_error("json.decode: JSON nesting too deep (limit: 128) at line 1 column",
             json.decode, string.rep("[", 130) .. string.rep("]", 130))
-- hostile input: a million brackets, open or closed
expect_error("JSON nesting too deep", json.decode, string.rep("[", 1000000))
expect_error("JSON nesting too deep", json.decode, string.rep('{"a":', 1000000) .. "1" .. string.rep("}", 1000000))

local deep = {}
local cur = deep
for _ = 1, 200 do
  cur[1] = {}
  cur = cur[1]
end
expect_error("json.encode: Lua table nesting too deep for JSON (limit: 128)", json.encode, deep)
local cyclic = {}
cyclic.self = cyclic
expect_error("Lua table nesting too deep for JSON", json.encode, cyclic)

-- a small table standing for a huge text: each level doubles it
local doubling = {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}
for _ = 1, 40 do doubling = {doubling, doubling} end
expect_error("json.encode: output too large (limit: 67108864 bytes)", json.encode, doubling)

-- the state is intact afterwards
assert(json.encode({1}) == "[1]")
print("ok")
