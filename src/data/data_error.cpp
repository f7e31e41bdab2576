// Error objects of the data modules (data_error.hpp). The four fields are
// the object's user values; __index reads them by name.
#include "data/data_error.hpp"

#include <cstdlib>
#include <cstring>

namespace lua_batteries::data {
namespace {

constexpr const char* kErrorMetatable = "lua_batteries.data.Error";
constexpr const char* kFields[] = {"kind", "message", "code", "op"};

int error_index(lua_State* L) {
  const char* key = lua_tostring(L, 2);
  if (key != nullptr && luaL_testudata(L, 1, kErrorMetatable) != nullptr) {
    for (int i = 0; i < 4; ++i) {
      if (std::strcmp(key, kFields[i]) == 0) {
        lua_getiuservalue(L, 1, i + 1);
        return 1;
      }
    }
  }
  lua_pushnil(L);
  return 1;
}

int error_tostring(lua_State* L) {
  luaL_checkudata(L, 1, kErrorMetatable);
  lua_getiuservalue(L, 1, 2);
  return 1;
}

// Either operand may be the error object.
int error_concat(lua_State* L) {
  for (int i = 1; i <= 2; ++i) {
    if (luaL_testudata(L, i, kErrorMetatable) != nullptr) {
      lua_getiuservalue(L, i, 2);
      lua_replace(L, i);
    }
    if (!lua_isstring(L, i)) return luaL_error(L, "attempt to concatenate a %s value", luaL_typename(L, i));
  }
  lua_concat(L, 2);
  return 1;
}

}  // namespace

void push_data_error(lua_State* L, const char* kind, const char* op, const char* code, const char* message) {
  lua_newuserdatauv(L, 0, 4);
  if (luaL_newmetatable(L, kErrorMetatable)) {
    const luaL_Reg methods[] = {
        {"__index", error_index}, {"__tostring", error_tostring}, {"__concat", error_concat}, {nullptr, nullptr}};
    luaL_setfuncs(L, methods, 0);
    lua_pushliteral(L, "std.Error");
    lua_setfield(L, -2, "__name");
  }
  lua_setmetatable(L, -2);
  const char* values[] = {kind, message, code, op};
  for (int i = 0; i < 4; ++i) {
    lua_pushstring(L, values[i]);
    lua_setiuservalue(L, -2, i + 1);
  }
}

void raise_data_error(lua_State* L, const char* kind, const char* op, const char* code, const char* message) {
  push_data_error(L, kind, op, code, message);
  lua_error(L);
  std::abort();  // lua_error does not return
}

bool called_by_collector(lua_State* L) {
#if LUA_VERSION_RELEASE_NUM >= 50404
  // Lua stops its collector while it runs a finalizer, and then answers -1
  // to every lua_gc request.
  return lua_gc(L, LUA_GCISRUNNING) == -1;
#else
  return true;
#endif
}

}  // namespace lua_batteries::data
