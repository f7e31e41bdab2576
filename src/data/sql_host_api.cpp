// The host API of the std.sql connection (lua_batteries/sql.hpp).
#include <stdexcept>
#include <string>
#include <string_view>

#include "data/data_state.hpp"
#include "data/sql_connection.hpp"
#include "io/policy_gate.hpp"
#include "lua_batteries/sql.hpp"

namespace lua_batteries {
namespace {

void use_connection(lua_State* L, sqlite3* db, bool owns, const SqlOptions& options) {
  data::DataState* state = data::data_state(L);
  if (state == nullptr) {
    if (owns) sqlite3_close_v2(db);
    throw std::runtime_error("std.sql: std.task is not installed in this Lua state");
  }
  data::SqlConnection* conn = data::SqlConnection::create(L, *state, options.timeout_ms, db, owns);
  if (conn == nullptr) {
    if (owns) sqlite3_close_v2(db);
    throw std::runtime_error("std.sql: not enough memory, or the runtime is shut down");
  }
  conn->hold();
  if (state->default_db != nullptr) state->default_db->release();
  state->default_db = conn;
  state->sql_timeout_ms = options.timeout_ms;
}

}  // namespace

void use_sql_database(lua_State* L, const char* path, const SqlOptions& options) {
  const bool in_memory = path[0] == 0 || std::string_view(path) == ":memory:";
  if (!in_memory && io::policy_of(L).paths != nullptr &&
      (std::string_view(path).starts_with("file:") || !io::path_allowed(L, path, PathAccess::write)))
    throw std::runtime_error("std.sql: access to '" + std::string(path) + "' denied by policy");
  std::string error;
  sqlite3* db = data::SqlConnection::open_now(path, error);
  if (db == nullptr) throw std::runtime_error("std.sql: cannot open '" + std::string(path) + "': " + error);
  use_connection(L, db, true, options);
}

void use_sql_connection(lua_State* L, sqlite3* db, const SqlOptions& options) {
  use_connection(L, db, false, options);
}

}  // namespace lua_batteries
