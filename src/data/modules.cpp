// The one place that installs the data modules (modules.hpp).
#include "data/modules.hpp"

#include "data/data_state.hpp"
#include "http/http_module.hpp"

namespace lua_batteries::data {
namespace {

struct Module {
  const char* name;  // field of std; package.loaded["std.<name>"]
  lua_CFunction push;
};

}  // namespace

void open_data_modules(lua_State* L, uv_loop_t* loop, const Policy& policy) {
  const int top = lua_gettop(L);
  create_data_state(L, loop);
  lua_getglobal(L, "std");
  const int std_index = lua_gettop(L);
  const Module modules[] = {{"json", push_json_module}, {"sql", push_sql_module}, {"kv", push_kv_module}, {"http", http::push_http_module}};
  const bool has_loaded = lua_getglobal(L, "package") == LUA_TTABLE && lua_getfield(L, -1, "loaded") == LUA_TTABLE;
  const int loaded = lua_gettop(L);
  for (const Module& m : modules) {
    if (!policy.installs(m.name)) continue;
    m.push(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, std_index, m.name);
    if (has_loaded) {
      lua_pushfstring(L, "std.%s", m.name);
      lua_insert(L, -2);
      lua_settable(L, loaded);
    } else {
      lua_pop(L, 1);
    }
  }
  lua_settop(L, top);
}

}  // namespace lua_batteries::data
