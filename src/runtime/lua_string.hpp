// Strings from a script read with their length: a key or name with an
// embedded "\0" is not the one before it (a C-string comparison would say
// it is).
#pragma once

#include <lua.hpp>

#include <string_view>

namespace lua_batteries::detail {

/// [-0, +0, -] The string at `index` with its length; empty for any other
/// type (a number is not converted).
inline std::string_view string_key(lua_State* L, int index) {
  if (lua_type(L, index) != LUA_TSTRING) return {};
  size_t len = 0;
  const char* s = lua_tolstring(L, index, &len);
  return std::string_view(s, len);
}

}  // namespace lua_batteries::detail
