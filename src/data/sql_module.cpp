// std.sql (the reference's names, spec std-io.md 6):
//
//   std.sql.query(sql, params?) -> rows      on the registered connection
//   std.sql.exec(sql, params?)  -> { affected = n, last_id = id }
//   std.sql.null                             SQL NULL (== std.json.null)
//   std.sql.open(path, opts?)   -> Db        (sql_db_object.cpp)
//
// Without a registered connection (host API or --db) query and exec raise
// "std.sql: no database (run with --db PATH, or open one with std.sql.open)".
#include "data/data_state.hpp"
#include "data/json_codec.hpp"
#include "data/modules.hpp"
#include "data/sql_db_object.hpp"
#include "data/sql_statement.hpp"

namespace lua_batteries::data {
namespace {

SqlConnection& default_connection(lua_State* L, const char* who) {
  DataState& state = check_data_state(L, who);
  if (state.default_db == nullptr || state.default_db->is_shut_down()) {
    luaL_error(L, "std.sql: no database (run with --db PATH, or open one with std.sql.open)");
  }
  return *state.default_db;
}

int sql_query(lua_State* L) {
  return run_sql_statement(L, default_connection(L, "sql.query"), SqlJobKind::query, "sql.query", 1, 2);
}

int sql_exec(lua_State* L) {
  return run_sql_statement(L, default_connection(L, "sql.exec"), SqlJobKind::exec, "sql.exec", 1, 2);
}

int sql_exec_many(lua_State* L) {
  return run_sql_batch(L, default_connection(L, "sql.exec_many"), "sql.exec_many", 1, 2);
}

}  // namespace

int push_sql_module(lua_State* L) {
  const luaL_Reg functions[] = {
      {"query", sql_query}, {"exec", sql_exec}, {"exec_many", sql_exec_many}, {"open", sql_open}, {nullptr, nullptr}};
  luaL_newlib(L, functions);
  push_null_sentinel(L);
  lua_setfield(L, -2, "null");
  return 1;
}

}  // namespace lua_batteries::data
