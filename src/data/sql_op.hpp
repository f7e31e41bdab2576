// lua-batteries: a task waiting for one SQLite job (std.sql, Db, std.kv).
//
// The op is a Lua userdata the calling C function leaves on its stack
// across the await: its continuation finds the result there, and a raise
// anywhere (a bad parameter, out of memory while building the rows)
// leaves the op to the collector, whose __gc frees the job; one whose
// result was read goes back to the state's pool for the next statement
// (sql_op_done). It waits with the deferred cancel mode: a cancellation
// interrupts the statement (sqlite3_interrupt) or takes it out of the
// queue and the task waits until SQLite has let go. Then it raises `task
// cancelled` if the statement was stopped (nothing happened), or returns
// its result if it had finished first; a hard abort leaves at once and
// the statement is interrupted behind it.
#pragma once

#include <lua.hpp>

#include "data/sql_connection.hpp"
#include "data/sql_job.hpp"

namespace lua_batteries::data {

/// [-0, +0, m] Makes the pool of ops kept for reuse (one per Lua state)
/// and returns its registry reference, for SqlConnection::create.
int create_sql_op_pool(lua_State* L);

/// [-0, +1, v] Pushes a new op with a job of `kind` on `conn`, issued by
/// the running task; `op_name` ("sql.query", "kv.get") names it in errors.
SqlJob& push_sql_op(lua_State* L, SqlConnection& conn, SqlJobKind kind, const char* op_name);

/// [-0, +0, v] Copies the statement at `sql_index` and the parameters at
/// `params_index` (nil/none, an array, or a table of names) into `job`.
void read_sql_statement(lua_State* L, int sql_index, int params_index, SqlJob& job, const char* op_name);

/// [-0, +0, v] Copies the statement at `sql_index` and the rows of
/// parameters at `rows_index` (an array of parameter tables, each as
/// read_sql_statement's) into the exec_many `job`.
void read_sql_batch(lua_State* L, int sql_index, int rows_index, SqlJob& job, const char* op_name);

/// [-0, +0, v] Submits the job of the op at the top of the stack and
/// waits for it; continues in k(L, LUA_YIELD, ctx) with the op still there.
int await_sql_op(lua_State* L, lua_KFunction k, lua_KContext ctx);

/// [-0, +0, v] In the continuation: the finished job of the op at `index`.
/// If it failed, frees it and raises its error: kind "timeout"
/// "<op> timeout (<ms>ms)" when the per-statement timeout stopped it, else
/// kind "io" "<prefix>: <SQLite's message>" with code "SQLITE_<NAME>".
SqlJob& sql_op_result(lua_State* L, int index);

/// [-0, +0, -] Frees the job of the op at `index` (its result was read).
void sql_op_done(lua_State* L, int index);

/// [-0, +1, m] Pushes a SQL value (NULL is std.sql.null).
void push_sql_value(lua_State* L, const SqlValue& v);

}  // namespace lua_batteries::data
