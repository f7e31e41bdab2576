#include "runtime/thread_guards.hpp"

#include "runtime/fiber.hpp"

namespace lua_batteries::detail {

void ThreadGuards::create(lua_State* L) {
  lua_newtable(L);
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  guarded_table_ = luaL_ref(L, LUA_REGISTRYINDEX);
}

bool ThreadGuards::is_guarded(lua_State* L, lua_State* co, int co_index) {
  if (parked_.contains(co)) return true;
  if (!any_guarded_) return false;
  co_index = lua_absindex(L, co_index);
  luaL_checkstack(L, 2, nullptr);
  lua_rawgeti(L, LUA_REGISTRYINDEX, guarded_table_);
  lua_pushvalue(L, co_index);
  const bool guarded = lua_rawget(L, -2) != LUA_TNIL;
  lua_pop(L, 2);
  return guarded;
}

void ThreadGuards::own(lua_State* L) {
  luaL_checkstack(L, 3, nullptr);
  lua_rawgeti(L, LUA_REGISTRYINDEX, guarded_table_);
  lua_pushvalue(L, -2);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);  // may raise (the table grows): the thread is garbage then
  lua_pop(L, 1);
  any_guarded_ = true;
}

void ThreadGuards::expose(lua_State* L, Fiber& f) {
  if (f.thread_exposed) return;
  luaL_checkstack(L, 3, nullptr);
  lua_rawgeti(L, LUA_REGISTRYINDEX, guarded_table_);
  lua_pushthread(L);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);  // may raise (the table grows): nothing is recorded yet
  lua_pop(L, 1);
  f.thread_exposed = true;
  any_guarded_ = true;
}

int ThreadGuards::reset_thread(lua_State* co) {
  Closing node{co, closing_};
  closing_ = &node;
#if LUA_VERSION_RELEASE_NUM >= 50406
  const int status = lua_closethread(co, nullptr);
#else
  const int status = lua_resetthread(co);
#endif
  closing_ = node.outer;
  return status;
}

int ThreadGuards::resume_closing(lua_State* co, lua_State* from) {
  Closing node{co, closing_};
  closing_ = &node;
  int nresults = 0;
  const int status = lua_resume(co, from, 0, &nresults);
  closing_ = node.outer;
  if (status == LUA_YIELD) lua_pop(co, nresults);
  return status;
}

}  // namespace lua_batteries::detail
