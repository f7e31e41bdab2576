#include "runtime/pin_table.hpp"

namespace lua_batteries::detail {

void PinTable::create(lua_State* L) {
  lua_newtable(L);
  table_ = luaL_ref(L, LUA_REGISTRYINDEX);
}

int PinTable::pin(lua_State* L, int index) {
  index = lua_absindex(L, index);
  push_table(L);
  const bool reuse = free_ != 0;
  const int slot = reuse ? free_ : used_ + 1;
  lua_Integer next_free = 0;
  if (reuse) {
    lua_rawgeti(L, -1, slot);
    next_free = lua_tointeger(L, -1);
    lua_pop(L, 1);
  }
  lua_pushvalue(L, index);
  lua_rawseti(L, -2, slot);  // may raise as the table grows: nothing is taken yet
  lua_pop(L, 1);
  // Nothing above runs Lua code (an emergency collection calls no
  // finalizer), so no other pin took the slot meanwhile.
  if (reuse)
    free_ = static_cast<int>(next_free);
  else
    used_ = slot;
  return slot;
}

void PinTable::drop(int slot) {
  push_table(main_);
  lua_pushinteger(main_, free_);
  lua_rawseti(main_, -2, slot);  // replaces the pinned value: no allocation
  lua_pop(main_, 1);
  free_ = slot;
}

}  // namespace lua_batteries::detail
