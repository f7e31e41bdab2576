-- std.json on JSONTestSuite-style edge cases: unicode escapes and
-- surrogate pairs decode to UTF-8, raw UTF-8 passes through, invalid
-- text raises json.decode: <what> at line L column C, and invalid UTF-8
-- is refused both ways.
local json = std.json
local expect_error = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/expect_error.lua")

assert(json.decode([["\u0041\u00e9\u4e2d"]]) == "Aé中")
assert(json.decode([["\ud83d\ude00"]]) == "😀")            -- surrogate pair
assert(json.decode([["\uD834\uDD1E"]]) == "\u{1D11E}")     -- upper-case hex
assert(json.decode('"😀 raw"') == "😀 raw")
assert(json.decode([["\u0000"]]) == "\0")                  -- NUL inside a string
assert(json.decode([["\/\b\f\n\r\t"]]) == "/\b\f\n\r\t")
assert(json.encode("😀") == '"😀"')
assert(json.decode(json.encode("\0\31\127")) == "\0\31\127")
assert(json.encode("\0") == [["\u0000"]])

-- a high surrogate without its low half is invalid
expect_error("json.decode: ", json.decode, [["\ud83d"]])
expect_error("json.decode: ", json.decode, [["\ud83d\u0041"]])

-- errors carry the position
expect_error("json.decode: missing a name for object member at line 1 column 2", json.decode, "{bad")
expect_error("json.decode: invalid value at line 1 column 1", json.decode, "bad")
expect_error("at line 3 column 5", json.decode, '{\n "a": 1,\n    x}')
expect_error("json.decode: ", json.decode, "")
expect_error("json.decode: ", json.decode, "[1,]")
expect_error("json.decode: ", json.decode, "{\"a\":1,}")
expect_error("json.decode: ", json.decode, "[1] [2]")
expect_error("json.decode: ", json.decode, "01")
expect_error("json.decode: ", json.decode, "NaN")
expect_error("json.decode: ", json.decode, "'single'")
expect_error("json.decode: ", json.decode, '"tab\there"')   -- raw control character
expect_error("json.decode: unexpected NUL byte", json.decode, "[1]\0[2]")
expect_error("json.decode: ", json.decode, '"\255"')         -- invalid UTF-8 input
expect_error("json.decode: ", json.decode, '"\237\160\128"') -- UTF-8 encoded surrogate
expect_error("bad argument #1 to 'std.json.decode'", json.decode, {})

-- values JSON cannot hold
expect_error("json.encode: string is not valid UTF-8", json.encode, "\255")
expect_error("json.encode: string is not valid UTF-8", json.encode, {["\255"] = 1})
expect_error("json.encode: cannot convert NaN to JSON number", json.encode, 0 / 0)
expect_error("json.encode: cannot convert inf to JSON number", json.encode, {x = 1 / 0})
expect_error("json.encode: cannot convert -inf to JSON number", json.encode, -1 / 0)
expect_error("json.encode: unsupported type for JSON conversion: function", json.encode, print)
expect_error("json.encode: unsupported type for JSON conversion: thread", json.encode,
             {coroutine.create(print)})
expect_error("json.encode: unsupported table key type for JSON: boolean", json.encode, {[true] = 1})
expect_error("bad argument #1 to 'std.json.encode'", json.encode)
print("ok")
