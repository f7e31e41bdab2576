// What a SQLite job does on the worker thread (sql_job.hpp): no Lua, no
// libuv; every failure is recorded in the job. C++ allocation failures
// are caught here: nothing may throw out of the connection's thread.
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "data/sql_job.hpp"
#include "data/sql_statement_cache.hpp"

namespace lua_batteries::data {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// std.kv's table: the reference's (values are JSON text).
constexpr const char* kKvSchema =
    "CREATE TABLE IF NOT EXISTS __kv (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
    "PRIMARY KEY (ns, key)) WITHOUT ROWID";

void fail(SqlJob& job, int rc, std::string message) {
  job.rc = rc;
  job.error = std::move(message);
}

void fail_with(SqlJob& job, sqlite3* db, int rc) { fail(job, rc, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)); }

// Owners for the worker's handles: a C++ allocation failure (caught in
// run_sql_job) must not leave a statement or a handle open.
struct Finalize {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
struct Close {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Statement = std::unique_ptr<sqlite3_stmt, Finalize>;

void open_database(SqlJob& job) {
  sqlite3* handle = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  int rc = sqlite3_open_v2(job.sql.c_str(), &handle, flags, nullptr);
  std::unique_ptr<sqlite3, Close> db(handle);
  if (rc == SQLITE_OK) rc = sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db.get(), "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail_with(job, db.get(), rc);
  job.opened = db.release();
}

bool bind_value(sqlite3_stmt* stmt, int index, const SqlValue& v) {
  switch (v.type) {
    case SqlValue::Type::null: return sqlite3_bind_null(stmt, index) == SQLITE_OK;
    case SqlValue::Type::integer: return sqlite3_bind_int64(stmt, index, v.integer) == SQLITE_OK;
    case SqlValue::Type::real: return sqlite3_bind_double(stmt, index, v.real) == SQLITE_OK;
    case SqlValue::Type::text:
      return sqlite3_bind_text64(stmt, index, v.text.data(), v.text.size(), SQLITE_STATIC, SQLITE_UTF8) == SQLITE_OK;
  }
  return false;
}

bool bind(SqlJob& job, sqlite3* db, sqlite3_stmt* stmt, const std::vector<SqlParam>& params) {
  const int wanted = sqlite3_bind_parameter_count(stmt);
  if (params.empty()) return true;
  if (params.front().name.empty()) {
    if (static_cast<int>(params.size()) != wanted) {
      fail(job, SQLITE_RANGE,
           "wrong number of parameters: got " + std::to_string(params.size()) + ", needed " +
               std::to_string(wanted));
      return false;
    }
    for (int i = 0; i < wanted; ++i) {
      if (!bind_value(stmt, i + 1, params[i].value)) return fail_with(job, db, sqlite3_errcode(db)), false;
    }
    return true;
  }
  for (const SqlParam& p : params) {
    int index = 0;
    for (const char* prefix : {":", "@", "$"}) {
      index = sqlite3_bind_parameter_index(stmt, (prefix + p.name).c_str());
      if (index != 0) break;
    }
    if (index == 0) {
      fail(job, SQLITE_RANGE, "no such parameter: :" + p.name);
      return false;
    }
    if (!bind_value(stmt, index, p.value)) return fail_with(job, db, sqlite3_errcode(db)), false;
  }
  return true;
}

void read_row(SqlJob& job, sqlite3_stmt* stmt, int columns) {
  for (int i = 0; i < columns; ++i) {
    SqlValue& v = job.cells.emplace_back();
    switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_INTEGER:
        v.type = SqlValue::Type::integer;
        v.integer = sqlite3_column_int64(stmt, i);
        break;
      case SQLITE_FLOAT:
        v.type = SqlValue::Type::real;
        v.real = sqlite3_column_double(stmt, i);
        break;
      case SQLITE_TEXT:
      case SQLITE_BLOB: {
        const void* bytes = sqlite3_column_blob(stmt, i);
        const int size = sqlite3_column_bytes(stmt, i);
        v.type = SqlValue::Type::text;
        if (size > 0) v.text.assign(static_cast<const char*>(bytes), static_cast<std::size_t>(size));
        break;
      }
      default: break;  // NULL
    }
  }
}

// Whether `tail` holds another statement (not just blanks and comments).
bool has_more_statements(sqlite3* db, const char* tail) {
  sqlite3_stmt* next = nullptr;
  const char* rest = nullptr;
  sqlite3_prepare_v2(db, tail, -1, &next, &rest);
  return Statement(next) != nullptr;
}

// Prepares job.sql (false and the job failed if it cannot), or takes it
// from the cache, where only a lone statement goes back.
bool prepare(SqlJob& job, sqlite3* db, SqlStatementCache* cache, SqlStatementCache::Entry& entry) {
  if (cache != nullptr) {
    entry = cache->take(job.sql);
    if (entry.stmt != nullptr) return true;
  }
  sqlite3_stmt* prepared = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db, job.sql.data(), static_cast<int>(job.sql.size()) + 1,
                                    cache != nullptr ? SQLITE_PREPARE_PERSISTENT : 0, &prepared, &tail);
  Statement stmt(prepared);
  if (rc != SQLITE_OK) return fail_with(job, db, rc), false;
  if (tail != nullptr && *tail != '\0' && has_more_statements(db, tail)) {
    return fail(job, SQLITE_MISUSE, "multiple statements provided"), false;
  }
  if (stmt != nullptr && cache != nullptr) entry.sql = job.sql;  // may throw: stmt is finalized
  entry.stmt = stmt.release();
  return true;
}

// Steps the bound statement to its end, reading the rows of a query.
// The columns are read after the first step: a kept statement prepared
// before a schema change is prepared again by that step, and `SELECT *`
// may then have more columns.
void step(SqlJob& job, sqlite3* db, sqlite3_stmt* stmt) {
  int rc = sqlite3_step(stmt);
  const int columns = job.kind == SqlJobKind::query && rc == SQLITE_ROW ? sqlite3_column_count(stmt) : 0;
  for (int i = 0; i < columns; ++i) {
    const char* name = sqlite3_column_name(stmt, i);
    job.columns.emplace_back(name ? name : "");
  }
  for (; rc == SQLITE_ROW; rc = sqlite3_step(stmt)) {
    if (columns > 0) read_row(job, stmt, columns);
  }
  if (rc != SQLITE_DONE) return fail_with(job, db, rc);
  job.affected = sqlite3_changes64(db);
  job.last_id = sqlite3_last_insert_rowid(db);
}

// Back into the cache on every way out of a run (C++ allocation
// failures too); finalized if there is no cache.
struct GiveBack {
  SqlStatementCache* cache;
  SqlStatementCache::Entry& entry;
  ~GiveBack() {
    if (cache != nullptr) cache->put(std::move(entry));
    else sqlite3_finalize(entry.stmt);
  }
};

void run_statement(SqlJob& job, sqlite3* db, SqlStatementCache* cache) {
  SqlStatementCache::Entry entry;
  if (!prepare(job, db, cache, entry)) return;
  if (entry.stmt == nullptr) return;  // blanks or comments only
  GiveBack give_back{cache, entry};
  if (!bind(job, db, entry.stmt, job.params)) return;
  step(job, db, entry.stmt);
}

constexpr const char* kBatchSavepoint = "SAVEPOINT lua_batteries_exec_many";
constexpr const char* kBatchRelease = "RELEASE lua_batteries_exec_many";
constexpr const char* kBatchUndo = "ROLLBACK TO lua_batteries_exec_many; RELEASE lua_batteries_exec_many";

// Undoes a stopped or failed batch. Shielded from the progress handler;
// a sqlite3_interrupt landing meanwhile stops at most one try (each
// statement SQLite starts with no other active clears the flag first).
// If the batch began the transaction and it is still open, ROLLBACK.
void undo_batch(SqlJob& job, sqlite3* db, bool began_transaction) {
  if (job.stop != nullptr) job.stop->shielded.store(true, std::memory_order_relaxed);
  int rc = SQLITE_INTERRUPT;
  for (int attempt = 0; attempt < 4 && rc == SQLITE_INTERRUPT; ++attempt) {
    rc = sqlite3_exec(db, kBatchUndo, nullptr, nullptr, nullptr);
  }
  for (int attempt = 0; attempt < 4 && began_transaction && !sqlite3_get_autocommit(db); ++attempt) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  if (job.stop != nullptr) job.stop->shielded.store(false, std::memory_order_relaxed);
}

bool stop_requested(const SqlJob& job) {
  return job.stop != nullptr && job.stop->requested.load(std::memory_order_relaxed);
}

// exec_many: the statement once per row of parameters, in a savepoint,
// so that the batch happens whole or not at all. A stop request is seen
// between rows as well as inside a step (the progress handler does not
// run in statements shorter than its period).
void run_batch(SqlJob& job, sqlite3* db, SqlStatementCache* cache) {
  SqlStatementCache::Entry entry;
  if (!prepare(job, db, cache, entry)) return;
  if (entry.stmt == nullptr) return;  // blanks or comments only
  GiveBack give_back{cache, entry};
  const bool began_transaction = sqlite3_get_autocommit(db) != 0;
  int rc = sqlite3_exec(db, kBatchSavepoint, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail_with(job, db, rc);
  std::int64_t affected = 0;
  const bool writes = !sqlite3_stmt_readonly(entry.stmt);
  try {
    for (std::size_t r = 0; r < job.rows.size() && !job.failed(); ++r) {
      if (stop_requested(job)) {
        fail(job, SQLITE_INTERRUPT, "interrupted");
        break;
      }
      sqlite3_reset(entry.stmt);
      sqlite3_clear_bindings(entry.stmt);
      if (bind(job, db, entry.stmt, job.rows[r])) {
        while ((rc = sqlite3_step(entry.stmt)) == SQLITE_ROW) {
        }
        if (rc != SQLITE_DONE) fail_with(job, db, rc);
        else if (writes) affected += sqlite3_changes64(db);
      }
      if (job.failed() && job.rc != SQLITE_INTERRUPT) job.error = "row " + std::to_string(r + 1) + ": " + job.error;
    }
  } catch (const std::bad_alloc&) {
    job.rc = SQLITE_NOMEM;
    job.error.clear();  // "not enough memory" is said by the loop thread
  }
  sqlite3_reset(entry.stmt);  // no statement of the batch stays active
  if (!job.failed()) {
    rc = sqlite3_exec(db, kBatchRelease, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail_with(job, db, rc);
  }
  if (job.failed()) return undo_batch(job, db, began_transaction);
  job.affected = affected;
  job.last_id = sqlite3_last_insert_rowid(db);
}

}  // namespace

void run_sql_job(SqlJob& job, sqlite3* db, SqlStatementCache* cache) {
  job.clear_results();
  try {
    switch (job.kind) {
      case SqlJobKind::open: return open_database(job);
      case SqlJobKind::close:
        if (cache != nullptr) cache->clear();
        if (db != nullptr) sqlite3_close_v2(db);
        return;
      default:
        if (db == nullptr) return fail(job, SQLITE_MISUSE, "database is closed");
        if (job.kv_schema) {
          const int rc = sqlite3_exec(db, kKvSchema, nullptr, nullptr, nullptr);
          if (rc != SQLITE_OK) return fail(job, rc, std::string("kv schema init: ") + sqlite3_errmsg(db));
        }
        if (job.kind == SqlJobKind::exec_many) return run_batch(job, db, cache);
        return run_statement(job, db, cache);
    }
  } catch (const std::bad_alloc&) {
    job.rc = SQLITE_NOMEM;
    job.error.clear();  // "not enough memory" is said by the loop thread
  }
}

const char* sqlite_code_name(int rc) {
  switch (rc & 0xff) {
    case SQLITE_OK: return "SQLITE_OK";
    case SQLITE_ERROR: return "SQLITE_ERROR";
    case SQLITE_INTERNAL: return "SQLITE_INTERNAL";
    case SQLITE_PERM: return "SQLITE_PERM";
    case SQLITE_ABORT: return "SQLITE_ABORT";
    case SQLITE_BUSY: return "SQLITE_BUSY";
    case SQLITE_LOCKED: return "SQLITE_LOCKED";
    case SQLITE_NOMEM: return "SQLITE_NOMEM";
    case SQLITE_READONLY: return "SQLITE_READONLY";
    case SQLITE_INTERRUPT: return "SQLITE_INTERRUPT";
    case SQLITE_IOERR: return "SQLITE_IOERR";
    case SQLITE_CORRUPT: return "SQLITE_CORRUPT";
    case SQLITE_NOTFOUND: return "SQLITE_NOTFOUND";
    case SQLITE_FULL: return "SQLITE_FULL";
    case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN";
    case SQLITE_PROTOCOL: return "SQLITE_PROTOCOL";
    case SQLITE_SCHEMA: return "SQLITE_SCHEMA";
    case SQLITE_TOOBIG: return "SQLITE_TOOBIG";
    case SQLITE_CONSTRAINT: return "SQLITE_CONSTRAINT";
    case SQLITE_MISMATCH: return "SQLITE_MISMATCH";
    case SQLITE_MISUSE: return "SQLITE_MISUSE";
    case SQLITE_NOLFS: return "SQLITE_NOLFS";
    case SQLITE_AUTH: return "SQLITE_AUTH";
    case SQLITE_RANGE: return "SQLITE_RANGE";
    case SQLITE_NOTADB: return "SQLITE_NOTADB";
    default: return "SQLITE_ERROR";
  }
}

}  // namespace lua_batteries::data
