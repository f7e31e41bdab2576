// lua-batteries: the Db object of std.sql.open (one SQLite connection).
//
//   db:query(sql, params?) -> rows
//   db:exec(sql, params?)  -> { affected = n, last_id = id }
//   db:transaction(fn)     -> fn(db)'s results (sql_transaction.cpp)
//   db:close()             idempotent; also <close> and the collector
#pragma once

#include <lua.hpp>

#include <cstdint>

#include "data/sql_connection.hpp"

namespace lua_batteries::data {

struct DbObject {
  std::uintptr_t tag;   ///< object_tag(this, its type's tag): the fast type check
  SqlConnection* conn;  ///< held until close; null once closed
};

/// [-0, +1, v] std.sql.open(path, opts?) -> Db.
int sql_open(lua_State* L);
/// [-0, +0, v] The open Db at `index`; raises "<who>: database is closed".
DbObject& check_open_db(lua_State* L, int index, const char* who);
/// [-0, +1, v] db:transaction(fn).
int db_transaction(lua_State* L);

}  // namespace lua_batteries::data
