// std.kv (the reference's names, spec std-io.md 6): a key-value store in
// the table __kv (ns, key, value as JSON text) of the registered
// connection, created on first use.
//
//   std.kv.get(ns, key) -> value | nil
//   std.kv.set(ns, key, value)         value: anything JSON can hold
//   std.kv.delete(ns, key) -> boolean  whether a key was removed
//   std.kv.list(ns, prefix?) -> keys   sorted
//
// A namespace must be non-empty and hold no '/', '\', NUL or "..":
// "Invalid namespace: '<ns>'" (the reference's rule and text). Values keep
// their nulls: JSON null comes back as std.json.null. Errors of SQLite
// are kind "io" "<op> sql error: <message>"; the per-statement timeout
// and cancellation are std.sql's.
#include <cstring>
#include <new>
#include <string_view>

#include "data/data_state.hpp"
#include "data/json_codec.hpp"
#include "data/modules.hpp"
#include "data/sql_op.hpp"

namespace lua_batteries::data {
namespace {

SqlConnection& kv_connection(lua_State* L, const char* who) {
  DataState& state = check_data_state(L, who);
  if (state.default_db == nullptr || state.default_db->is_shut_down()) {
    luaL_error(L, "std.kv: no database (run with --db PATH)");
  }
  return *state.default_db;
}

// [-0, +0, v] The namespace at `index`.
void check_namespace(lua_State* L, int index) {
  std::size_t size = 0;
  const char* ns = luaL_checklstring(L, index, &size);
  const std::string_view text(ns, size);
  if (text.empty() || text.find('/') != text.npos || text.find('\\') != text.npos ||
      text.find('\0') != text.npos || text.find("..") != text.npos) {
    lua_pushfstring(L, "Invalid namespace: '%s'", ns);
    lua_error(L);
  }
}

// Statement and parameters (the strings at the given stack indices);
// false when out of memory.
bool fill(lua_State* L, SqlJob& job, const char* sql, std::initializer_list<int> texts) {
  try {
    job.sql = sql;
    for (int index : texts) {
      SqlValue& v = job.params.emplace_back().value;
      std::size_t size = 0;
      const char* s = lua_tolstring(L, index, &size);
      v.type = SqlValue::Type::text;
      v.text.assign(s, size);
    }
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

// [-0, +1, v] Pushes the op of a kv statement on the default connection.
SqlJob& push_kv_op(lua_State* L, SqlJobKind kind, const char* op, const char* sql, std::initializer_list<int> texts) {
  SqlConnection& conn = kv_connection(L, op);
  SqlJob& job = push_sql_op(L, conn, kind, op);
  job.kv_schema = !conn.kv_ready;
  if (!fill(L, job, sql, texts)) luaL_error(L, "not enough memory");
  return job;
}

// [-0, +0, v] The op's result, noting that the table exists.
SqlJob& kv_result(lua_State* L, int op) {
  SqlJob& job = sql_op_result(L, op);
  job.conn->kv_ready = true;
  return job;
}

int k_get(lua_State* L, int, lua_KContext ctx) {
  const int op = static_cast<int>(ctx);
  const SqlJob& job = kv_result(L, op);
  if (job.cells.empty()) {
    lua_pushnil(L);
  } else {
    const std::string& text = job.cells.front().text;
    push_json_value(L, text.data(), text.size(), DecodeNull::sentinel, "kv.get json parse");
  }
  sql_op_done(L, op);
  return 1;
}

int kv_get(lua_State* L) {
  check_namespace(L, 1);
  luaL_checkstring(L, 2);
  lua_settop(L, 2);
  push_kv_op(L, SqlJobKind::query, "kv.get", "SELECT value FROM __kv WHERE ns = ?1 AND key = ?2", {1, 2});
  return await_sql_op(L, k_get, 3);
}

int k_set(lua_State* L, int, lua_KContext ctx) {
  kv_result(L, static_cast<int>(ctx));
  sql_op_done(L, static_cast<int>(ctx));
  return 0;
}

int kv_set(lua_State* L) {
  check_namespace(L, 1);
  luaL_checkstring(L, 2);
  lua_settop(L, 3);
  push_json_text(L, 3, false, "kv.set serialize");  // 4
  push_kv_op(L, SqlJobKind::exec, "kv.set",
             "INSERT INTO __kv (ns, key, value) VALUES (?1, ?2, ?3) "
             "ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value",
             {1, 2, 4});
  return await_sql_op(L, k_set, 5);
}

int k_delete(lua_State* L, int, lua_KContext ctx) {
  const int op = static_cast<int>(ctx);
  lua_pushboolean(L, kv_result(L, op).affected > 0);
  sql_op_done(L, op);
  return 1;
}

int kv_delete(lua_State* L) {
  check_namespace(L, 1);
  luaL_checkstring(L, 2);
  lua_settop(L, 2);
  push_kv_op(L, SqlJobKind::exec, "kv.delete", "DELETE FROM __kv WHERE ns = ?1 AND key = ?2", {1, 2});
  return await_sql_op(L, k_delete, 3);
}

int k_list(lua_State* L, int, lua_KContext ctx) {
  const int op = static_cast<int>(ctx);
  const SqlJob& job = kv_result(L, op);
  std::size_t prefix_size = 0;
  const char* prefix = lua_isnil(L, 2) ? nullptr : lua_tolstring(L, 2, &prefix_size);
  lua_createtable(L, static_cast<int>(job.cells.size()), 0);
  lua_Integer n = 0;
  for (const SqlValue& key : job.cells) {
    if (prefix != nullptr && key.text.compare(0, prefix_size, prefix, prefix_size) != 0) continue;
    lua_pushlstring(L, key.text.data(), key.text.size());
    lua_rawseti(L, -2, ++n);
  }
  sql_op_done(L, op);
  return 1;
}

int kv_list(lua_State* L) {
  check_namespace(L, 1);
  if (!lua_isnoneornil(L, 2)) luaL_checkstring(L, 2);
  lua_settop(L, 2);
  push_kv_op(L, SqlJobKind::query, "kv.list", "SELECT key FROM __kv WHERE ns = ?1 ORDER BY key", {1});
  return await_sql_op(L, k_list, 3);
}

}  // namespace

int push_kv_module(lua_State* L) {
  const luaL_Reg functions[] = {
      {"get", kv_get}, {"set", kv_set}, {"delete", kv_delete}, {"list", kv_list}, {nullptr, nullptr}};
  luaL_newlib(L, functions);
  return 1;
}

}  // namespace lua_batteries::data
