// The Lua side of an installation: the object types, std.task, std.time,
// std.log and the coroutine replacements, for a runtime that open() has set up.
#include "lua/bindings.hpp"
#include "lua/coordination.hpp"
#include "lua/time_module.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {

Runtime& runtime_of(lua_State* L) { return *Runtime::from(L); }

void open_libraries(lua_State* L, Runtime& rt) {
  ObjectMetatables metatables;
  metatables.handle = init_handle_metatable(L, rt);
  metatables.scope = init_scope_metatable(L, rt);
  metatables.unnamed_scope = init_unnamed_scope_metatable(L, metatables.scope);
  metatables.token = init_token_metatable(L, rt);
  rt.set_object_metatables(metatables);

  if (lua_getglobal(L, "std") != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "std");
  }
  push_task_module(L, rt);
  open_coordination(L, rt, -1);
  lua_setfield(L, -2, "task");
  open_time_module(L, &rt.clock());
  lua_setfield(L, -2, "time");
  push_log_module(L, rt);
  lua_setfield(L, -2, "log");

  // require("std.task") / require("std.time") where package is loaded.
  const int std_table = lua_gettop(L);
  if (lua_getglobal(L, "package") == LUA_TTABLE && lua_getfield(L, -1, "loaded") == LUA_TTABLE) {
    lua_getfield(L, std_table, "task");
    lua_setfield(L, -2, "std.task");
    lua_getfield(L, std_table, "time");
    lua_setfield(L, -2, "std.time");
    lua_getfield(L, std_table, "log");
    lua_setfield(L, -2, "std.log");
  }
  lua_settop(L, std_table - 1);
  install_coroutine_library(L, rt);
}

}  // namespace lua_batteries::detail
