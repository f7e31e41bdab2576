// std.json (the reference's names): encode, encode_pretty, decode, null.
//
//   std.json.encode(value) -> string
//   std.json.encode_pretty(value) -> string   (indented by 4 spaces)
//   std.json.decode(text) -> value            (JSON null -> nil)
//   std.json.null                             (== std.sql.null; encodes as null)
#include "data/json_codec.hpp"
#include "data/modules.hpp"

namespace lua_batteries::data {
namespace {

int json_encode(lua_State* L) {
  luaL_checkany(L, 1);
  push_json_text(L, 1, false, "json.encode");
  return 1;
}

int json_encode_pretty(lua_State* L) {
  luaL_checkany(L, 1);
  push_json_text(L, 1, true, "json.encode_pretty");
  return 1;
}

int json_decode(lua_State* L) {
  std::size_t size = 0;
  const char* text = luaL_checklstring(L, 1, &size);
  push_json_value(L, text, size, DecodeNull::nil, "json.decode");
  return 1;
}

}  // namespace

int push_json_module(lua_State* L) {
  const luaL_Reg functions[] = {{"encode", json_encode},
                                {"encode_pretty", json_encode_pretty},
                                {"decode", json_decode},
                                {nullptr, nullptr}};
  luaL_newlib(L, functions);
  push_null_sentinel(L);
  lua_setfield(L, -2, "null");
  return 1;
}

}  // namespace lua_batteries::data
