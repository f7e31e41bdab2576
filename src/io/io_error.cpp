#include "io/io_error.hpp"

#include <uv.h>

namespace lua_batteries::io {
namespace {

constexpr const char* kErrorMetatable = "std.io.Error";

int error_tostring(lua_State* L) {
  lua_getfield(L, 1, "message");
  return 1;
}

bool is_io_error(lua_State* L, int index) {
  if (lua_type(L, index) != LUA_TTABLE || !lua_getmetatable(L, index)) return false;
  luaL_getmetatable(L, kErrorMetatable);
  const bool ours = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return ours;
}

// Either operand may be the error object, as with std.task's errors.
int error_concat(lua_State* L) {
  for (int i = 1; i <= 2; ++i) {
    if (is_io_error(L, i)) {
      lua_getfield(L, i, "message");
      lua_replace(L, i);
    }
  }
  for (int i = 1; i <= 2; ++i)
    if (!lua_isstring(L, i)) return luaL_error(L, "attempt to concatenate a %s value", luaL_typename(L, i));
  lua_concat(L, 2);
  return 1;
}

}  // namespace

void init_io_errors(lua_State* L) {
  luaL_newmetatable(L, kErrorMetatable);
  lua_pushcfunction(L, error_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushcfunction(L, error_concat);
  lua_setfield(L, -2, "__concat");
  lua_pop(L, 1);
}

void push_io_error(lua_State* L, const char* op, const char* code, const char* message) {
  push_error(L, "io", op, code, message);
}

void push_error(lua_State* L, const char* kind, const char* op, const char* code, const char* message) {
  lua_createtable(L, 0, 4);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  lua_pushstring(L, code);
  lua_setfield(L, -2, "code");
  lua_pushstring(L, op);
  lua_setfield(L, -2, "op");
  luaL_setmetatable(L, kErrorMetatable);
}

void push_uv_error(lua_State* L, const char* op, const char* what, const char* target, int uv_error) {
  const char* code = uv_err_name(uv_error);
  lua_pushfstring(L, "%s: %s '%s': %s (%s)", op, what, target, uv_strerror(uv_error), code);
  push_io_error(L, op, code, lua_tostring(L, -1));
  lua_remove(L, -2);
}

void raise_uv_error(lua_State* L, const char* op, const char* what, const char* target, int uv_error) {
  push_uv_error(L, op, what, target, uv_error);
  raise_top(L);
}

void raise_error(lua_State* L, const char* kind, const char* op, const char* code, const char* message) {
  push_error(L, kind, op, code, message);
  raise_top(L);
}

void push_denied(lua_State* L, const char* op, const char* target) {
  lua_pushfstring(L, "%s: access to '%s' denied by policy", op, target);
  push_error(L, "denied", op, "EACCES", lua_tostring(L, -1));
  lua_remove(L, -2);
}

void raise_denied(lua_State* L, const char* op, const char* target) {
  push_denied(L, op, target);
  raise_top(L);
}

void raise_top(lua_State* L) {
  lua_error(L);
  __builtin_unreachable();
}

}  // namespace lua_batteries::io
