// lua-batteries: what the data modules keep per Lua state: the loop, the
// connection std.sql / std.kv use (the host's or --db's), the SQL
// settings and the HTTP client. It lives in a userdata in the registry;
// its __gc (lua_close) lets go of the connection and the client.
#pragma once

#include <lua.hpp>
#include <uv.h>

namespace lua_batteries::http {
class HttpClient;
}

namespace lua_batteries::data {

class SqlConnection;

struct DataState {
  uv_loop_t* loop = nullptr;
  SqlConnection* default_db = nullptr;  ///< held; null: none registered
  double sql_timeout_ms = 5000;         ///< per statement; 0: none
  http::HttpClient* http = nullptr;     ///< made on the first request
  int op_pool = LUA_NOREF;              ///< registry reference of the SQL ops kept for reuse (sql_op.hpp)
};

/// [-0, +0, e] Creates the state of L (once, at installation).
void create_data_state(lua_State* L, uv_loop_t* loop);
/// [-0, +0, -] The state of L; null if the data modules are not installed.
DataState* data_state(lua_State* L);
/// [-0, +0, v] The state of L, raising "<who>: std.task is not installed" without one.
DataState& check_data_state(lua_State* L, const char* who);

}  // namespace lua_batteries::data
