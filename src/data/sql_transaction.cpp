// db:transaction(fn): BEGIN, fn(db), COMMIT; ROLLBACK when fn raises, is
// cancelled or aborted, or COMMIT fails (spec std-io.md 6).
//
// A to-be-closed guard on the C function's own stack ends the
// transaction on every way out: it is closed when the function returns
// (after COMMIT: nothing to do), when an error or `task cancelled` passes
// through it, and when a hard abort closes the task. Its ROLLBACK is
// queued without waiting: the connection runs it before any later
// statement. While the transaction is open the connection runs only this
// task's statements (sql_connection.hpp); other tasks' wait their turn.
#include <cstdint>

#include "data/called_by_collector.hpp"
#include "data/sql_db_object.hpp"
#include "data/sql_op.hpp"

namespace lua_batteries::data {
namespace {

constexpr const char* kGuardMetatable = "lua_batteries.sql.TransactionGuard";

// Stack of the C function: 1 db, 2 fn, 3 guard, then the op or fn's results.
constexpr int kDb = 1, kFn = 2, kGuard = 3;

struct TransactionGuard {
  SqlConnection* conn;  ///< held; null once the guard is done
  std::uint64_t serial;
};

void end_guard(TransactionGuard& guard) {
  if (guard.conn == nullptr) return;
  SqlConnection* conn = guard.conn;
  guard.conn = nullptr;
  if (!conn->is_shut_down() && conn->open_transaction() == guard.serial) conn->roll_back_detached();
  conn->release();
}

int guard_close(lua_State* L) {
  end_guard(*static_cast<TransactionGuard*>(lua_touserdata(L, 1)));
  return 0;
}

// A coroutine left suspended inside fn and collected never closes it.
int guard_gc(lua_State* L) {
  if (called_by_collector(L)) end_guard(*static_cast<TransactionGuard*>(lua_touserdata(L, 1)));
  return 0;
}

// [-0, +1, m]
TransactionGuard& push_guard(lua_State* L, SqlConnection& conn) {
  auto* guard = static_cast<TransactionGuard*>(lua_newuserdatauv(L, sizeof(TransactionGuard), 0));
  guard->conn = nullptr;
  guard->serial = 0;
  if (luaL_newmetatable(L, kGuardMetatable)) {
    lua_pushcfunction(L, guard_close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, guard_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "std.sql.Transaction");
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
  conn.hold();
  guard->conn = &conn;
  return *guard;
}

TransactionGuard& guard_at(lua_State* L) { return *static_cast<TransactionGuard*>(lua_touserdata(L, kGuard)); }

int k_committed(lua_State* L, int, lua_KContext ctx) {
  const int results = static_cast<int>(ctx);
  sql_op_result(L, -1);  // a failed COMMIT raises; the guard rolls back
  sql_op_done(L, -1);
  lua_pop(L, 1);
  return results;
}

int k_called(lua_State* L, int, lua_KContext) {
  const int results = lua_gettop(L) - kGuard;
  TransactionGuard& guard = guard_at(L);
  luaL_checkstack(L, 2, "too many results");
  SqlJob& job = push_sql_op(L, *guard.conn, SqlJobKind::commit, "sql.transaction");
  job.sql = "COMMIT";  // fits the short-string buffer: no allocation
  return await_sql_op(L, k_committed, results);
}

int k_begun(lua_State* L, int, lua_KContext) {
  sql_op_result(L, kGuard + 1);
  sql_op_done(L, kGuard + 1);
  lua_settop(L, kGuard);
  lua_pushvalue(L, kFn);
  lua_pushvalue(L, kDb);
  lua_callk(L, 1, LUA_MULTRET, 0, k_called);
  return k_called(L, LUA_OK, 0);
}

}  // namespace

int db_transaction(lua_State* L) {
  DbObject& db = check_open_db(L, kDb, "sql.transaction");
  luaL_checktype(L, kFn, LUA_TFUNCTION);
  lua_settop(L, kFn);
  SqlConnection& conn = *db.conn;
  TransactionGuard& guard = push_guard(L, conn);
  lua_toclose(L, kGuard);
  SqlJob& job = push_sql_op(L, conn, SqlJobKind::begin, "sql.transaction");
  if (conn.gate_closed() && conn.gate_owner() == job.owner) {
    luaL_error(L, "sql.transaction: a transaction is already open on this connection in this task");
  }
  job.sql = "BEGIN";
  job.transaction = guard.serial = conn.next_transaction();
  return await_sql_op(L, k_begun, 0);
}

}  // namespace lua_batteries::data
