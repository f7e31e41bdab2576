// What the Lua-visible object types (Handle, Scope, CancelToken) share:
// how their metatables are built, and how their finalizers tell Lua's
// collector from a script calling __gc by hand.
#include "lua/bindings.hpp"

namespace lua_batteries::detail {

bool called_by_collector(lua_State* L) {
#if LUA_VERSION_RELEASE_NUM >= 50404
  // Lua stops its collector while it runs a finalizer, and then answers -1
  // to every lua_gc request.
  return lua_gc(L, LUA_GCISRUNNING) == -1;
#else
  return true;
#endif
}

int register_object_type(lua_State* L, const ObjectType& type) {
  luaL_newmetatable(L, type.metatable_name);  // also sets __name
  lua_newtable(L);
  luaL_setfuncs(L, type.methods, 0);
  if (type.index) lua_pushcclosure(L, type.index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, type.tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushcfunction(L, type.gc);
  lua_setfield(L, -2, "__gc");
  lua_pushstring(L, type.short_name);
  lua_setfield(L, -2, "__metatable");
  return luaL_ref(L, LUA_REGISTRYINDEX);
}

void init_objects(lua_State* L, Runtime& rt) {
  init_handle_metatable(L, rt);
  init_scope_metatable(L, rt);
  init_token_metatable(L, rt);
}

}  // namespace lua_batteries::detail
