// One statement from Lua to its result (sql_statement.hpp).
#include "data/sql_statement.hpp"

#include "data/sql_op.hpp"

namespace lua_batteries::data {
namespace {

// [-0, +1, m] The rows: an array of tables keyed by column name.
int k_rows(lua_State* L, int, lua_KContext ctx) {
  const int op = static_cast<int>(ctx);
  const SqlJob& job = sql_op_result(L, op);
  const std::size_t columns = job.columns.size();
  const std::size_t rows = columns == 0 ? 0 : job.cells.size() / columns;
  lua_createtable(L, static_cast<int>(rows), 0);
  for (std::size_t r = 0; r < rows; ++r) {
    lua_createtable(L, 0, static_cast<int>(columns));
    for (std::size_t c = 0; c < columns; ++c) {
      const std::string& name = job.columns[c];
      lua_pushlstring(L, name.data(), name.size());
      push_sql_value(L, job.cells[r * columns + c]);
      lua_rawset(L, -3);
    }
    lua_rawseti(L, -2, static_cast<lua_Integer>(r) + 1);
  }
  sql_op_done(L, op);
  return 1;
}

// [-0, +1, m] { affected = n, last_id = id }.
int k_exec(lua_State* L, int, lua_KContext ctx) {
  const int op = static_cast<int>(ctx);
  const SqlJob& job = sql_op_result(L, op);
  lua_createtable(L, 0, 2);
  lua_pushinteger(L, static_cast<lua_Integer>(job.affected));
  lua_setfield(L, -2, "affected");
  lua_pushinteger(L, static_cast<lua_Integer>(job.last_id));
  lua_setfield(L, -2, "last_id");
  sql_op_done(L, op);
  return 1;
}

}  // namespace

int run_sql_statement(lua_State* L, SqlConnection& conn, SqlJobKind kind, const char* op_name, int sql_index,
                      int params_index) {
  luaL_checkstring(L, sql_index);
  lua_settop(L, params_index > sql_index ? params_index : sql_index);  // the op goes above
  SqlJob& job = push_sql_op(L, conn, kind, op_name);
  const int op = lua_gettop(L);
  read_sql_statement(L, sql_index, params_index, job, op_name);
  return await_sql_op(L, kind == SqlJobKind::query ? k_rows : k_exec, op);
}

int run_sql_batch(lua_State* L, SqlConnection& conn, const char* op_name, int sql_index, int rows_index) {
  luaL_checkstring(L, sql_index);
  luaL_checktype(L, rows_index, LUA_TTABLE);
  lua_settop(L, rows_index);  // the op goes above
  SqlJob& job = push_sql_op(L, conn, SqlJobKind::exec_many, op_name);
  const int op = lua_gettop(L);
  read_sql_batch(L, sql_index, rows_index, job, op_name);
  return await_sql_op(L, k_exec, op);
}

}  // namespace lua_batteries::data
