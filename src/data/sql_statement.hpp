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

}  // namespace lua_batteries::data
