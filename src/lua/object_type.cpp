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

void new_object_metatable(lua_State* L, const char* name) {
  luaL_newmetatable(L, name);  // also sets __name
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, name);
}

void* test_object(lua_State* L, int index, const char* name) {
  void* p = lua_touserdata(L, index);
  if (!p || !lua_getmetatable(L, index)) return nullptr;
  // The functions of an object type carry its metatable as an upvalue
  // (see register_object_type): comparing with that is the fast path.
  // Anywhere else the upvalue is something other or none (nil).
  // Tables compare by identity, and lua_topointer is much cheaper than
  // lua_rawequal (a type switch per call).
  const void* metatable = lua_topointer(L, -1);
  if (metatable == lua_topointer(L, lua_upvalueindex(1)) || metatable == lua_topointer(L, lua_upvalueindex(2))) {
    lua_pop(L, 1);
    return p;
  }
  lua_rawgetp(L, LUA_REGISTRYINDEX, name);
  const bool same = metatable == lua_topointer(L, -1);
  lua_pop(L, 2);
  return same ? p : nullptr;
}

void* check_object(lua_State* L, int index, const char* name) {
  if (void* p = test_object(L, index, name)) return p;
  return luaL_checkudata(L, index, name);  // raises the usual error
}

int register_object_type(lua_State* L, const ObjectType& type) {
  new_object_metatable(L, type.metatable_name);
  // Methods and metamethods get the metatable as upvalue 1 (__index as
  // upvalue 2, after the methods) for test_object's fast path.
  lua_newtable(L);
  lua_pushvalue(L, -2);
  luaL_setfuncs(L, type.methods, 1);
  if (type.index) {
    lua_pushvalue(L, -2);
    lua_pushcclosure(L, type.index, 2);
  }
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, -1);
  lua_pushcclosure(L, type.tostring, 1);
  lua_setfield(L, -2, "__tostring");
  if (type.gc) {
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, type.gc, 1);
    lua_setfield(L, -2, "__gc");
  }
  lua_pushstring(L, type.short_name);
  lua_setfield(L, -2, "__metatable");
  return luaL_ref(L, LUA_REGISTRYINDEX);
}

}  // namespace lua_batteries::detail
