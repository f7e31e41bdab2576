// lua-batteries: one statement from Lua to its result, shared by std.sql's
// functions and the Db object's methods.
#pragma once

#include <lua.hpp>

#include "data/sql_connection.hpp"

namespace lua_batteries::data {

/// [-0, +0, v] Runs the statement at `sql_index` with the parameters at
/// `params_index` (0: none) on `conn` and returns, through the await, the
/// rows of a query (an array of { column = value }) or the
/// { affected = n, last_id = id } of an exec.
int run_sql_statement(lua_State* L, SqlConnection& conn, SqlJobKind kind, const char* op_name, int sql_index,
                      int params_index);

/// [-0, +0, v] Runs the statement at `sql_index` once for each table of
/// parameters in the array at `rows_index`, all in one job on `conn` and
/// in one savepoint (every row or none), and returns, through the await,
/// { affected = total, last_id = id }.
int run_sql_batch(lua_State* L, SqlConnection& conn, const char* op_name, int sql_index, int rows_index);

}  // namespace lua_batteries::data
