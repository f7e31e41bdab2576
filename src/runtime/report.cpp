#include "runtime/report.hpp"

#include "core/out_of_memory.hpp"

namespace lua_batteries::detail {
namespace {

int describe_protected(lua_State* L) {
  luaL_tolstring(L, 1, nullptr);
  return 1;
}

int traceback_protected(lua_State* L) {
  auto* thread = static_cast<lua_State*>(lua_touserdata(L, 1));
  luaL_traceback(L, thread, nullptr, 0);
  return 1;
}

}  // namespace

std::string describe_value(lua_State* service, lua_State* from, int index) {
  lua_State* S = service;
  if (!lua_checkstack(S, 3)) return "?";
  lua_pushcfunction(S, &describe_protected);
  lua_pushvalue(from, index);
  lua_xmove(from, S, 1);
  std::string text;
  const bool described = allocation_succeeded([&] {
    if (lua_pcall(S, 1, 1, 0) == LUA_OK) {
      size_t len = 0;
      const char* s = lua_tolstring(S, -1, &len);
      text.assign(s, len);
    } else if (lua_type(S, -1) == LUA_TSTRING) {
      text = "(error while converting an error to text: ";
      text += lua_tostring(S, -1);
      text += ")";
    } else {
      text = "(an error value that cannot be converted to text)";
    }
  });
  if (!described && !allocation_succeeded([&] { text = "not enough memory"; })) text.clear();
  lua_pop(S, 1);
  return text;
}

bool push_traceback(lua_State* service, lua_State* thread) {
  lua_State* S = service;
  if (!lua_checkstack(S, 3)) return false;
  lua_pushcfunction(S, &traceback_protected);
  lua_pushlightuserdata(S, thread);
  if (lua_pcall(S, 1, 1, 0) == LUA_OK) return true;
  lua_pop(S, 1);
  return false;
}

}  // namespace lua_batteries::detail
