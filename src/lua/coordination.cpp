// What the coordination primitives share: the start and the suspension of
// a wait, argument readers, and the hook that adds them to std.task.
#include "lua/coordination.hpp"

#include <cmath>

#include "core/container_of.hpp"
#include "runtime/error_value.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {

void open_coordination(lua_State* L, Runtime& rt, int module_index) {
  module_index = lua_absindex(L, module_index);
  open_channel(L, rt, module_index);
  open_event(L, rt, module_index);
  open_semaphore(L, rt, module_index);
  open_select(L, rt, module_index);
  open_combinators(L, rt, module_index);
  open_shield_move_on(L, rt, module_index);
  open_token_links(L, rt, module_index);
  open_task_var(L, rt, module_index);
}

bool read_count(lua_State* L, int index, bool allow_huge, lua_Integer* out) {
  if (lua_type(L, index) != LUA_TNUMBER) return false;
  if (lua_isinteger(L, index)) {
    *out = lua_tointeger(L, index);
    return true;
  }
  const lua_Number n = lua_tonumber(L, index);
  if (allow_huge && n == HUGE_VAL) {
    *out = LUA_MAXINTEGER;
    return true;
  }
  lua_Integer i = 0;
  if (!lua_numbertointeger(n, &i) || static_cast<lua_Number>(i) != n) return false;
  *out = i;
  return true;
}

void raise_bad_value(lua_State* L, int index, const char* prefix) {
  if (lua_type(L, index) == LUA_TNUMBER) {
    luaL_tolstring(L, index, nullptr);
    luaL_error(L, "%s, got %s", prefix, lua_tostring(L, -1));
  }
  luaL_error(L, "%s, got %s", prefix, luaL_typename(L, index));
  __builtin_unreachable();
}

}  // namespace lua_batteries::detail
