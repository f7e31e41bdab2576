// lua-batteries: JSON <-> Lua values (std.json, and the JSON text std.kv
// stores), on RapidJSON (docs/reference/data.md says why that library).
//
// Mapping (the reference's std.json):
//   null <-> nil (or std.json.null, see DecodeNull), booleans, strings;
//   numbers: an integer that fits in 64 bits decodes as a Lua integer,
//   any other number as a float; Lua integers encode as integers, floats
//   with the shortest text that reads back the same (NaN and +-inf raise);
//   arrays -> tables 1..n; objects -> tables with string keys;
//   a Lua table whose keys are exactly 1..n (n >= 1) encodes as an array,
//   any other table (the empty one too) as an object whose integer and
//   float keys are written as text.
//
// Limits keep hostile input from exhausting the C stack or memory: nesting
// deeper than max_depth is rejected by both directions (parsing itself
// never recurses), and text longer than max_bytes is neither decoded nor
// produced (a table reachable twice is written twice, so a small table can
// stand for a huge text).
#pragma once

#include <lua.hpp>

#include <cstddef>

namespace lua_batteries::data {

struct JsonLimits {
  int max_depth = 128;
  std::size_t max_bytes = std::size_t{64} << 20;
};

/// What JSON null becomes in Lua.
enum class DecodeNull {
  nil,       ///< std.json.decode, as the reference
  sentinel,  ///< std.json.null (std.kv: values keep their nulls)
};

/// [-0, +1, v] Decodes `text` and pushes the value. Raises
/// "<who>: <what> at line L column C" for invalid text (the position of
/// the first byte that is wrong), "<who>: JSON nesting too deep (limit: N)
/// at line L column C", "<who>: input too large (N bytes, limit: M)".
void push_json_value(lua_State* L, const char* text, std::size_t size, DecodeNull null_as,
                     const char* who, const JsonLimits& limits = {});

/// [-0, +1, v] Encodes the value at `index` and pushes the JSON text.
/// Raises "<who>: <what>" for a value JSON cannot hold (see json_encode.cpp).
void push_json_text(lua_State* L, int index, bool pretty, const char* who,
                    const JsonLimits& limits = {});

/// [-0, +1, -] Pushes the null sentinel (std.json.null == std.sql.null):
/// the light userdata NULL, equal to the reference's.
inline void push_null_sentinel(lua_State* L) { lua_pushlightuserdata(L, nullptr); }

/// Whether the value at `index` is the null sentinel. [-0, +0, -]
inline bool is_null_sentinel(lua_State* L, int index) {
  return lua_type(L, index) == LUA_TLIGHTUSERDATA && lua_touserdata(L, index) == nullptr;
}

}  // namespace lua_batteries::data
