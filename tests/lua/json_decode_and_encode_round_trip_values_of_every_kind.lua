-- std.json: every JSON kind decodes to its Lua value and encodes back;
-- integers stay integers, floats stay floats; tables with keys 1..n are
-- arrays, other tables objects; null decodes as nil and std.json.null
-- encodes as null.
local json = std.json

local t = json.decode('{"a":1,"b":"hello","c":[10,20,30],"d":{"e":true,"f":false},"g":1.5,"h":null}')
assert(t.a == 1 and math.type(t.a) == "integer")
assert(t.b == "hello")
assert(#t.c == 3 and t.c[3] == 30)
assert(t.d.e == true and t.d.f == false)
assert(t.g == 1.5 and math.type(t.g) == "float")
assert(t.h == nil)
assert(math.type(json.decode("1.0")) == "float")
assert(math.type(json.decode("1e2")) == "float" and json.decode("1e2") == 100)
assert(json.decode("9223372036854775807") == math.maxinteger)
assert(json.decode("-9223372036854775808") == math.mininteger)
assert(math.type(json.decode("9223372036854775808")) == "float")
assert(json.decode('"x"') == "x" and json.decode("true") == true and json.decode("null") == nil)
assert(json.decode("  [ ]  ")[1] == nil)

assert(json.encode({}) == "{}")
assert(json.encode({1, 2, 3}) == "[1,2,3]")
assert(json.encode({1.5, 2.0}) == "[1.5,2.0]")
assert(json.encode("a\"b\\c\n\1") == [["a\"b\\c\n\u0001"]])
assert(json.encode(json.null) == "null")
assert(json.encode({json.null, 1}) == "[null,1]")
assert(json.encode(nil) == "null")
assert(json.encode(true) == "true")
assert(json.encode(math.maxinteger) == "9223372036854775807")
-- keys that are not exactly 1..n make an object
assert(json.encode({[1] = "a", [3] = "c"}):find('"3":"c"', 1, true))
assert(json.encode({[2] = "b"}) == '{"2":"b"}')
assert(json.encode({[0] = "z"}) == '{"0":"z"}')
assert(json.encode({[1.5] = true}) == '{"1.5":true}')
local mixed = json.decode(json.encode({1, 2, x = "y"}))
assert(mixed["1"] == 1 and mixed["2"] == 2 and mixed.x == "y")

local nested = {name = "test", values = {1, 2, {deep = {list = {"a", "b"}}}}, ok = true}
local back = json.decode(json.encode(nested))
assert(back.name == "test" and back.ok == true)
assert(back.values[3].deep.list[2] == "b")

-- float formatting reads back exactly
for _, x in ipairs({0.1, 1 / 3, 1e300, -2.5e-300, 123456789.125}) do
  assert(json.decode(json.encode(x)) == x, tostring(x))
end

-- encode_pretty indents and keeps the value
local pretty = json.encode_pretty({a = {1, 2}})
assert(pretty:find("\n", 1, true))
assert(json.decode(pretty).a[2] == 2)

-- require finds the same table; json.null is std.sql's null sentinel
assert(require("std.json") == json)
assert(type(json.null) == "userdata")
print("ok")
