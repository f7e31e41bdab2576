// lua-batteries: telling the collector's call of a __gc metamethod from a
// script's (through debug.getmetatable), which must not destroy a live
// object.
#pragma once

#include <lua.hpp>

namespace lua_batteries::data {

/// [-0, +0, -] Whether the running __gc was called by the collector (or
/// lua_close).
inline bool called_by_collector(lua_State* L) {
#if LUA_VERSION_RELEASE_NUM >= 50404
  // Lua stops its collector while it runs a finalizer, and then answers -1
  // to every lua_gc request.
  return lua_gc(L, LUA_GCISRUNNING) == -1;
#else
  (void)L;
  return true;
#endif
}

}  // namespace lua_batteries::data
