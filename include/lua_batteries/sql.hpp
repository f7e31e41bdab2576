// lua-batteries: the SQLite connection of std.sql and std.kv (spec
// std-io.md 6), registered by the host.
//
// std.sql.query / std.sql.exec and std.kv use the connection registered
// here (the runner's --db PATH does the same). Scripts may open more with
// std.sql.open(path). Call after register_task / register_with, on the
// loop thread.
#pragma once

#include <lua.hpp>
#include <sqlite3.h>

namespace lua_batteries {

struct SqlOptions {
  /// Per-statement timeout in milliseconds (the reference's 5000); a
  /// statement still running then is interrupted and raises kind "timeout"
  /// "sql.query timeout (5000ms)". 0: none. Also the default of
  /// std.sql.open.
  double timeout_ms = 5000;
};

/// Opens (creating it if needed) the SQLite database at `path` in WAL
/// mode with a 5000 ms busy_timeout, and makes it the connection of
/// std.sql and std.kv, replacing any earlier one. The runtime closes it
/// with the Lua state. Throws std::runtime_error when it cannot be opened,
/// std.task is not installed, or Config::policy's path policy does not let
/// the state write `path` ("std.sql: access to '<path>' denied by policy").
void use_sql_database(lua_State* L, const char* path, const SqlOptions& options = {});

/// Makes the host's open handle the connection of std.sql and std.kv. The
/// host keeps ownership: it must keep `db` open until lua_close (the
/// runtime never closes it) and not use it from another thread while a
/// statement runs. Its busy_timeout and journal mode are left as they are;
/// its progress handler is taken (it stops cancelled statements) and
/// removed when the runtime lets go. Throws std::runtime_error if std.task
/// is not installed.
void use_sql_connection(lua_State* L, sqlite3* db, const SqlOptions& options = {});

}  // namespace lua_batteries
