#include "runtime/thread_pools.hpp"

namespace lua_batteries::detail {

void ThreadPools::create(lua_State* L) {
  luaL_checkstack(L, 3, nullptr);
  lua_createtable(L, kKeptInitialSize, 0);
  kept_.table = luaL_ref(L, LUA_REGISTRYINDEX);
  kept_.size = kKeptInitialSize;
  lua_createtable(L, 0, 0);
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "v");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  spare_.table = luaL_ref(L, LUA_REGISTRYINDEX);
}

void ThreadPools::grow(lua_State* L, Pool& pool) {
  const int doubled = pool.size > 0 ? pool.size * 2 : kKeptInitialSize;
  const int size = doubled < pool.capacity ? doubled : pool.capacity;
  luaL_checkstack(L, 3, nullptr);
  lua_createtable(L, size, 0);
  lua_rawgeti(L, LUA_REGISTRYINDEX, pool.table);
  if (lua_getmetatable(L, -1)) lua_setmetatable(L, -3);  // a weak pool stays weak
  for (int i = 1; i <= pool.count; ++i) {
    lua_rawgeti(L, -1, i);
    lua_rawseti(L, -3, i);  // within the new array part: no allocation
  }
  lua_pop(L, 1);
  lua_rawseti(L, LUA_REGISTRYINDEX, pool.table);  // an existing slot: no allocation
  pool.size = size;
}

lua_State* ThreadPools::take(lua_State* L, Pool& pool) {
  if (pool.count == 0) return nullptr;
  lua_rawgeti(L, LUA_REGISTRYINDEX, pool.table);
  while (pool.count > 0) {
    const lua_Integer slot = pool.count--;
    if (lua_rawgeti(L, -1, slot) == LUA_TNIL) {  // collected (a weak pool)
      lua_pop(L, 1);
      continue;
    }
    lua_pushnil(L);
    lua_rawseti(L, -3, slot);  // an existing array slot: no allocation
    lua_remove(L, -2);
    return lua_tothread(L, -1);
  }
  lua_pop(L, 1);
  return nullptr;
}

lua_State* ThreadPools::take_idle(lua_State* L) {
  if (lua_State* co = take(L, spare_)) return co;
  return take(L, kept_);
}

void ThreadPools::make_room(lua_State* L, std::size_t live_tasks) {
  if (live_tasks < static_cast<std::size_t>(kept_.size + spare_.size)) return;
  if (kept_.size < kept_.capacity)
    grow(L, kept_);
  else if (spare_.size < spare_.capacity)
    grow(L, spare_);
}

lua_State* ThreadPools::push_fiber_thread(lua_State* L, std::size_t live_tasks, bool& made) {
  make_room(L, live_tasks);
  lua_State* co = take_idle(L);
  made = co == nullptr;
  if (made) return lua_newthread(L);
  // A reused thread was never given out by coroutine.running (see
  // Runtime::recycle_thread). It takes its creator's hook, as a new thread
  // would.
  lua_sethook(co, lua_gethook(L), lua_gethookmask(L), lua_gethookcount(L));
  return co;
}

bool ThreadPools::recycle(lua_State* S, lua_State* co) {
  if (kept_.table == LUA_NOREF) return false;
  Pool& pool = kept_.count < kept_.size ? kept_ : spare_;
  if (pool.count >= pool.size) return false;
  if (!lua_checkstack(S, 2)) return false;
  // The table has pool.size array slots (grow), so storing into it cannot
  // allocate (and so cannot raise).
  lua_rawgeti(S, LUA_REGISTRYINDEX, pool.table);
  lua_pushthread(co);
  lua_xmove(co, S, 1);
  lua_rawseti(S, -2, ++pool.count);
  lua_pop(S, 1);
  return true;
}

}  // namespace lua_batteries::detail
