#include "lua/error_object.hpp"

#include <cstdio>
#include <new>
#include <string>

#include "core/duration.hpp"
#include "lua/bindings.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

constexpr const char* kErrorMetatable = "std.task.Error";

struct ErrorObject {
  ErrorKind kind;
  double ms;  // timeout only
};

const char* kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::cancelled: return "cancelled";
    case ErrorKind::aborted: return "aborted";
    case ErrorKind::joined: return "joined";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::none: break;
  }
  return "none";
}

ErrorObject* to_error(lua_State* L, int index) {
  return static_cast<ErrorObject*>(test_object(L, index, kErrorMetatable));
}

// [-0, +1, m] The message, kept as the object's user value.
void push_message(lua_State* L, int index) { lua_getiuservalue(L, index, 1); }

int error_index(lua_State* L) {
  ErrorObject* e = to_error(L, 1);
  const std::string_view k = string_key(L, 2);
  if (!e || k.empty()) return 0;
  if (k == "kind") {
    lua_pushstring(L, kind_name(e->kind));
  } else if (k == "message") {
    push_message(L, 1);
  } else if (k == "ms" && e->kind == ErrorKind::timeout) {
    lua_pushnumber(L, e->ms);
  } else {
    lua_pushnil(L);
  }
  return 1;
}

int error_tostring(lua_State* L) {
  check_object(L, 1, kErrorMetatable);
  push_message(L, 1);
  return 1;
}

// Either operand may be the error object; the other is concatenated as
// Lua would (strings and numbers), anything else is Lua's usual error.
int error_concat(lua_State* L) {
  for (int i = 1; i <= 2; ++i) {
    if (to_error(L, i)) {
      push_message(L, i);
      lua_replace(L, i);
    }
  }
  for (int i = 1; i <= 2; ++i) {
    if (!lua_isstring(L, i))
      return luaL_error(L, "attempt to concatenate a %s value", luaL_typename(L, i));
  }
  lua_concat(L, 2);
  return 1;
}

// [-0, +1, m] A new error object with its message.
void new_error(lua_State* L, ErrorKind kind, double ms, const char* message) {
  auto* e = static_cast<ErrorObject*>(lua_newuserdatauv(L, sizeof(ErrorObject), 1));
  e->kind = kind;
  e->ms = ms;
  luaL_setmetatable(L, kErrorMetatable);
  lua_pushstring(L, message);
  lua_setiuservalue(L, -2, 1);
}

}  // namespace

void init_error_objects(lua_State* L, Runtime& rt) {
  new_object_metatable(L, kErrorMetatable);
  const luaL_Reg methods[] = {{"__index", error_index},
                              {"__tostring", error_tostring},
                              {"__concat", error_concat},
                              {nullptr, nullptr}};
  luaL_setfuncs(L, methods, 0);
  lua_pushliteral(L, "std.task.Error");
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
  new_error(L, ErrorKind::cancelled, 0, "task cancelled");
  rt.refs.cancelled_error_object = lua_topointer(L, -1);  // pinned below for the state's lifetime
  rt.refs.cancelled_error = luaL_ref(L, LUA_REGISTRYINDEX);
  new_error(L, ErrorKind::aborted, 0, "task aborted");
  rt.refs.aborted_error = luaL_ref(L, LUA_REGISTRYINDEX);
  new_error(L, ErrorKind::joined, 0, "task already joined");
  rt.refs.joined_error = luaL_ref(L, LUA_REGISTRYINDEX);
}

void push_error(lua_State* L, const Runtime& rt, ErrorKind kind) {
  int ref = rt.refs.cancelled_error;
  if (kind == ErrorKind::aborted) ref = rt.refs.aborted_error;
  if (kind == ErrorKind::joined) ref = rt.refs.joined_error;
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
}

void push_timeout_error(lua_State* L, double ms) {
  char message[96];
  bool out_of_memory = false;
  try {
    const std::string text = "task.with_timeout: exceeded " + format_ms(ms) + " ms";
    std::snprintf(message, sizeof message, "%s", text.c_str());
  } catch (const std::bad_alloc&) {
    out_of_memory = true;
  }
  if (out_of_memory) raise_out_of_memory(L);
  new_error(L, ErrorKind::timeout, ms, message);
}

void raise_error(lua_State* L, const Runtime& rt, ErrorKind kind) {
  push_error(L, rt, kind);
  lua_error(L);
  __builtin_unreachable();
}

ErrorKind error_kind(lua_State* L, int index) {
  const ErrorObject* e = to_error(L, index);
  return e ? e->kind : ErrorKind::none;
}

}  // namespace lua_batteries::detail
