// The per-state record of the data modules (data_state.hpp).
#include "data/data_state.hpp"

#include <new>

#include "data/called_by_collector.hpp"
#include "data/sql_connection.hpp"
#include "data/sql_op.hpp"
#include "http/http_client.hpp"

namespace lua_batteries::data {
namespace {

const char kStateKey = 0;  // its address keys the registry entry

int state_gc(lua_State* L) {
  if (!called_by_collector(L)) return 0;
  auto* state = static_cast<DataState*>(lua_touserdata(L, 1));
  if (state->default_db != nullptr) state->default_db->release();
  state->default_db = nullptr;
  if (state->http != nullptr) http::HttpClient::close(state->http);
  state->http = nullptr;
  return 0;
}

}  // namespace

void create_data_state(lua_State* L, uv_loop_t* loop) {
  auto* state = static_cast<DataState*>(lua_newuserdatauv(L, sizeof(DataState), 0));
  new (state) DataState();
  state->loop = loop;
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, state_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushliteral(L, "std.data");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kStateKey);
  state->op_pool = create_sql_op_pool(L);
}

DataState* data_state(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kStateKey);
  auto* state = static_cast<DataState*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return state;
}

DataState& check_data_state(lua_State* L, const char* who) {
  DataState* state = data_state(L);
  if (state == nullptr) luaL_error(L, "%s: std.task is not installed", who);
  return *state;
}

}  // namespace lua_batteries::data
