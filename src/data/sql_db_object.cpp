// The Db object of std.sql.open (sql_db_object.hpp).
#include "data/sql_db_object.hpp"

#include <cmath>
#include <cstring>

#include "data/called_by_collector.hpp"
#include "data/data_state.hpp"
#include "data/sql_op.hpp"
#include "data/sql_statement.hpp"
#include "io/io_error.hpp"
#include "io/policy_gate.hpp"
#include "lua/tagged_object.hpp"

namespace lua_batteries::data {
namespace {

constexpr const char* kDbMetatable = "lua_batteries.sql.Db";
constexpr std::uintptr_t kDbTag = 0x29c6f0b8e41d57a3u;

void close_db(DbObject& db) {
  if (db.conn == nullptr) return;
  SqlConnection* conn = db.conn;
  db.conn = nullptr;
  conn->release();  // the handle closes once its queued statements are done
}

int db_query(lua_State* L) {
  DbObject& db = check_open_db(L, 1, "sql.query");
  return run_sql_statement(L, *db.conn, SqlJobKind::query, "sql.query", 2, 3);
}

int db_exec(lua_State* L) {
  DbObject& db = check_open_db(L, 1, "sql.exec");
  return run_sql_statement(L, *db.conn, SqlJobKind::exec, "sql.exec", 2, 3);
}

int db_exec_many(lua_State* L) {
  DbObject& db = check_open_db(L, 1, "sql.exec_many");
  return run_sql_batch(L, *db.conn, "sql.exec_many", 2, 3);
}

int db_close(lua_State* L) {
  close_db(*static_cast<DbObject*>(luaL_checkudata(L, 1, kDbMetatable)));
  return 0;
}

int db_gc(lua_State* L) {
  if (called_by_collector(L)) close_db(*static_cast<DbObject*>(lua_touserdata(L, 1)));
  return 0;
}

int db_tostring(lua_State* L) {
  auto* db = static_cast<DbObject*>(luaL_checkudata(L, 1, kDbMetatable));
  lua_pushfstring(L, "std.sql.Db (%s): %p", db->conn ? "open" : "closed", static_cast<void*>(db));
  return 1;
}

// [-0, +1, v] opts.timeout_ms, else the state's default.
double read_timeout(lua_State* L, int index, double fallback) {
  if (lua_isnoneornil(L, index)) return fallback;
  luaL_checktype(L, index, LUA_TTABLE);
  double timeout = fallback;
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    const char* key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : nullptr;
    if (key == nullptr || std::strcmp(key, "timeout_ms") != 0) {
      luaL_error(L, "sql.open: unknown option '%s' (expected 'timeout_ms')", key ? key : luaL_typename(L, -2));
    }
    const double ms = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : -1;
    if (!std::isfinite(ms) || ms < 0 || ms > 1e12) {
      luaL_error(L, "sql.open: opts.timeout_ms: expected milliseconds (a number from 0 to 1e12)");
    }
    timeout = ms;
    lua_pop(L, 1);
  }
  return timeout;
}

// The open job finished: the Db under it is ready, or the open failed
// (then the Db is garbage and its collection releases the connection).
int k_opened(lua_State* L, int, lua_KContext ctx) {
  const int op = static_cast<int>(ctx);
  sql_op_result(L, op);
  sql_op_done(L, op);
  lua_settop(L, op - 1);  // the Db
  return 1;
}

}  // namespace

DbObject& check_open_db(lua_State* L, int index, const char* who) {
  DbObject* db = detail::test_tagged<DbObject>(L, index, kDbTag);
  if (db == nullptr) db = static_cast<DbObject*>(luaL_checkudata(L, index, kDbMetatable));
  if (db->conn == nullptr || db->conn->is_shut_down()) luaL_error(L, "%s: database is closed", who);
  return *db;
}

// [-0, +0, v] A database file the path policy allows writing; ":memory:"
// and "" (a temporary database) have none. A "file:" URI names its file
// in a way the policy does not read, so a policy denies it.
void check_database_path(lua_State* L, const char* path, const char* op) {
  if (io::policy_of(L).paths == nullptr || path[0] == 0 || std::strcmp(path, ":memory:") == 0) return;
  if (std::strncmp(path, "file:", 5) == 0) io::raise_denied(L, op, path);
  io::check_path(L, op, path, PathAccess::write);
}

int sql_open(lua_State* L) {
  check_database_path(L, luaL_checkstring(L, 1), "sql.open");
  DataState& state = check_data_state(L, "sql.open");
  const double timeout = read_timeout(L, 2, state.sql_timeout_ms);
  lua_settop(L, 1);
  auto* db = static_cast<DbObject*>(lua_newuserdatauv(L, sizeof(DbObject), 0));
  db->tag = detail::object_tag(db, kDbTag);
  db->conn = nullptr;
  if (luaL_newmetatable(L, kDbMetatable)) {
    const luaL_Reg methods[] = {{"query", db_query},
                                {"exec", db_exec},
                                {"exec_many", db_exec_many},
                                {"transaction", db_transaction},
                                {"close", db_close},
                                {nullptr, nullptr}};
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    const luaL_Reg metamethods[] = {
        {"__close", db_close}, {"__gc", db_gc}, {"__tostring", db_tostring}, {nullptr, nullptr}};
    luaL_setfuncs(L, metamethods, 0);
    lua_pushliteral(L, "std.sql.Db");
    lua_setfield(L, -2, "__name");
  }
  lua_setmetatable(L, -2);
  SqlConnection* conn = SqlConnection::create(L, state, timeout, nullptr, true);
  if (conn == nullptr) luaL_error(L, "sql.open: not enough memory, or the runtime is shut down");
  conn->hold();
  db->conn = conn;
  SqlJob& job = push_sql_op(L, *conn, SqlJobKind::open, "sql.open");
  read_sql_statement(L, 1, 0, job, "sql.open");
  return await_sql_op(L, k_opened, lua_gettop(L));
}

}  // namespace lua_batteries::data
