#include "runtime/error_value.hpp"

#include <cstdio>
#include <string>
#include <string_view>

#include "core/duration.hpp"
#include "core/out_of_memory.hpp"
#include "runtime/lua_string.hpp"

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
    case ErrorKind::closed: return "closed";
    case ErrorKind::none: break;
  }
  return "none";
}

// [-0, +0, -] The error object at `index`, or null. The metamethods carry
// the error metatable as upvalue 1.
ErrorObject* to_error(lua_State* L, int index) {
  void* p = lua_touserdata(L, index);
  if (!p || !lua_getmetatable(L, index)) return nullptr;
  const bool same = lua_topointer(L, -1) == lua_topointer(L, lua_upvalueindex(1));
  lua_pop(L, 1);
  return same ? static_cast<ErrorObject*>(p) : nullptr;
}

// [-0, +1, -] The message, kept as the object's user value.
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
  } else if (k == "where" && e->kind == ErrorKind::timeout) {
    lua_getiuservalue(L, 1, 2);
  } else {
    lua_pushnil(L);
  }
  return 1;
}

int error_tostring(lua_State* L) {
  if (!to_error(L, 1)) luaL_checkudata(L, 1, kErrorMetatable);  // raises the usual error
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
  // A timeout error has room for where the body was (set_timeout_where).
  auto* e = static_cast<ErrorObject*>(lua_newuserdatauv(L, sizeof(ErrorObject), kind == ErrorKind::timeout ? 2 : 1));
  e->kind = kind;
  e->ms = ms;
  luaL_setmetatable(L, kErrorMetatable);
  lua_pushstring(L, message);
  lua_setiuservalue(L, -2, 1);
}

}  // namespace

void ErrorValues::create(lua_State* L) {
  luaL_newmetatable(L, kErrorMetatable);  // also sets __name
  const luaL_Reg methods[] = {{"__index", error_index},
                              {"__tostring", error_tostring},
                              {"__concat", error_concat},
                              {nullptr, nullptr}};
  lua_pushvalue(L, -1);
  luaL_setfuncs(L, methods, 1);
  metatable_ = lua_topointer(L, -1);
  lua_pop(L, 1);
  new_error(L, ErrorKind::cancelled, 0, "task cancelled");
  cancelled_object_ = lua_topointer(L, -1);
  cancelled_ = luaL_ref(L, LUA_REGISTRYINDEX);
  new_error(L, ErrorKind::aborted, 0, "task aborted");
  aborted_ = luaL_ref(L, LUA_REGISTRYINDEX);
  new_error(L, ErrorKind::joined, 0, "task already joined");
  joined_ = luaL_ref(L, LUA_REGISTRYINDEX);
}

void ErrorValues::push(lua_State* L, ErrorKind kind) const {
  int ref = cancelled_;
  if (kind == ErrorKind::aborted) ref = aborted_;
  if (kind == ErrorKind::joined) ref = joined_;
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
}

void ErrorValues::raise(lua_State* L, ErrorKind kind) const {
  push(L, kind);
  lua_error(L);
  __builtin_unreachable();
}

ErrorKind ErrorValues::kind_of(lua_State* L, int index) const {
  const void* p = lua_touserdata(L, index);
  if (!p) return ErrorKind::none;
  if (p == cancelled_object_) return ErrorKind::cancelled;
  if (!lua_getmetatable(L, index)) return ErrorKind::none;
  const bool is_error = lua_topointer(L, -1) == metatable_;
  lua_pop(L, 1);
  return is_error ? static_cast<const ErrorObject*>(p)->kind : ErrorKind::none;
}

void push_timeout_error(lua_State* L, double ms) {
  char message[96];
  const bool formatted = allocation_succeeded([&] {
    const std::string text = "task.with_timeout: exceeded " + format_ms(ms) + " ms";
    std::snprintf(message, sizeof message, "%s", text.c_str());
  });
  if (!formatted) raise_out_of_memory(L);
  new_error(L, ErrorKind::timeout, ms, message);
}

void set_timeout_where(lua_State* L, int index) {
  index = lua_absindex(L, index);
  if (lua_type(L, -1) == LUA_TSTRING) {
    lua_setiuservalue(L, index, 2);
  } else {
    lua_pop(L, 1);
  }
}

bool ErrorValues::push_timeout_where(lua_State* L, int index) const {
  if (kind_of(L, index) != ErrorKind::timeout) return false;
  if (lua_getiuservalue(L, index, 2) == LUA_TSTRING) return true;
  lua_pop(L, 1);
  return false;
}
void push_new_error(lua_State* L, ErrorKind kind, const char* message) { new_error(L, kind, 0, message); }

void raise_out_of_memory(lua_State* L) {
  lua_pushliteral(L, "not enough memory");
  lua_error(L);
  __builtin_unreachable();
}

}  // namespace lua_batteries::detail
