// lua-batteries: one unit of work on a SQLite connection (sql_connection.hpp):
// what the loop thread asks for, and what the worker thread answers.
// The worker writes only the result fields, and only between the job's
// hand-off to the connection's thread and its return (sql_thread.hpp);
// the loop thread reads them after that.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace lua_batteries::data {

class SqlConnection;
class SqlStatementCache;

/// A value crossing between Lua and SQLite (BLOB columns come back as text).
struct SqlValue {
  enum class Type : std::uint8_t { null, integer, real, text };
  Type type = Type::null;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;
};

/// A parameter: `name` empty binds by position, else to :name, @name or $name.
struct SqlParam {
  std::string name;
  SqlValue value;
};

enum class SqlJobKind { open, query, exec, exec_many, begin, commit, rollback, close };

/// The running job's stop request: set by the loop thread (a cancel, the
/// timeout); SQLite's progress handler stops the statement while it is
/// set, except while the worker shields its own clean-up (the rollback
/// of a stopped batch, which must run to its end).
struct SqlStop {
  std::atomic<bool> requested{false};
  std::atomic<bool> shielded{false};
  bool stops() const {
    return requested.load(std::memory_order_relaxed) && !shielded.load(std::memory_order_relaxed);
  }
};

struct SqlJob {
  /// Told, on the loop thread, when the job is finished (not if detached).
  using DoneFn = void (*)(SqlJob&);

  SqlJob(SqlConnection* c, SqlJobKind k) : conn(c), kind(k) {}

  // The three groups of fields are on cache lines of their own: each
  // line then crosses between the threads only when its group is handed
  // over, not when the other side writes a neighbour.

  // The request: written by the loop thread, read by the worker.
  SqlConnection* conn;
  SqlJobKind kind;
  std::string sql;  ///< the statement; the path for `open`
  std::vector<SqlParam> params;
  /// exec_many: the parameters of each run of the statement.
  std::vector<std::vector<SqlParam>> rows;
  bool kv_schema = false;  ///< create std.kv's table first, if missing
  SqlStop* stop = nullptr;  ///< the connection's, while the job runs

  // Results, written by the worker.
  alignas(64) std::vector<std::string> columns;
  std::vector<SqlValue> cells;  ///< row after row, columns.size() each
  std::int64_t affected = 0;
  std::int64_t last_id = 0;
  int rc = SQLITE_OK;  ///< the failure's SQLite result code, else SQLITE_OK
  std::string error;   ///< its message
  sqlite3* opened = nullptr;  ///< open: the new handle

  // Loop-thread state.
  alignas(64) std::uint64_t owner = 0;  ///< the issuing task's number (0: none), for the transaction gate
  std::uint64_t transaction = 0;  ///< begin: the serial of the transaction
  bool queued = false;
  bool running = false;
  bool finished = false;
  bool timed_out = false;  ///< the per-statement timeout interrupted it
  DoneFn on_done = nullptr;
  void* waiter = nullptr;  ///< on_done's object; null once nobody waits

  bool failed() const { return rc != SQLITE_OK; }

  /// Makes a finished job a new one of `k`, keeping its buffers (a
  /// connection reuses its jobs: no allocation per statement). Sets the
  /// request and the loop-thread state, every field but `conn`; the
  /// results are cleared by whoever gives the next ones (clear_results),
  /// so that their cache lines stay where they were written.
  void recycle(SqlJobKind k) {
    kind = k;
    sql.clear();
    params.clear();
    rows.clear();
    kv_schema = false;
    stop = nullptr;
    owner = 0;
    transaction = 0;
    queued = running = finished = timed_out = false;
    on_done = nullptr;
    waiter = nullptr;
  }

  /// Before a job's results are given: by the worker as it starts the
  /// job, by the loop thread when the job ends without running.
  void clear_results() {
    columns.clear();
    cells.clear();
    affected = 0;
    last_id = 0;
    rc = SQLITE_OK;
    error.clear();
    opened = nullptr;
  }
};

/// Runs `job` on `db` (worker thread): open, or prepare, bind, step.
/// Statements are taken from and given back to `cache` (null: prepared
/// and finalized each time); a close job clears it first.
void run_sql_job(SqlJob& job, sqlite3* db, SqlStatementCache* cache);

/// SQLite's name of a primary result code ("SQLITE_CONSTRAINT").
const char* sqlite_code_name(int rc);

}  // namespace lua_batteries::data
