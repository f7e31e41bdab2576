// lua-batteries: a SQLite connection driven from the loop thread.
//
// Statements run on the connection's own thread (sql_thread.hpp), one at
// a time, in the order they were submitted (a FIFO), except that while a transaction
// of db:transaction is open only its own task's statements are let
// through. Each statement has a timeout (interrupted when it passes) and
// can be interrupted for a cancellation; the connection stays usable.
//
// Lifetime: created by std.sql.open / the host API, held by Lua objects
// (hold/release). When the last holder lets go and the queue is empty the
// handle is closed on the connection's thread, the thread is joined, and
// the object frees itself after its handles' close callbacks. The runtime
// owns it meanwhile (lua_batteries::own): if the runtime shuts down
// first, the running statement is interrupted and waited for, the thread
// joined and the handle closed at once.
//
// Threading: the loop thread, except where a member says otherwise.
#pragma once

#include <sqlite3.h>
#include <uv.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "data/data_state.hpp"
#include "data/sql_job.hpp"
#include "data/sql_statement_cache.hpp"
#include "data/sql_thread.hpp"
#include "data/try_new.hpp"
#include "lua_batteries/resource.hpp"

namespace lua_batteries::data {

class SqlConnection {
 public:
  /// A connection without a handle yet (an `open` job brings it), or with
  /// `db` (`owns_db`: closed with the connection), on the loop of L's data
  /// state. Null when out of memory or when the runtime of L cannot own it.
  static SqlConnection* create(lua_State* L, const DataState& state, double timeout_ms, sqlite3* db, bool owns_db);

  /// Opens `path` now, with the same settings as an `open` job (for the
  /// host API and the runner, before scripts run). Null and `error` set
  /// on failure.
  static sqlite3* open_now(const char* path, std::string& error);

  void hold() { ++holders_; }
  /// Drops a holder; the last one starts the close.
  void release();
  /// Whether new work is accepted (not shut down). Closed Db objects are
  /// refused by their own flag.
  bool is_shut_down() const { return shut_down_; }
  double timeout_ms() const { return timeout_ms_; }
  /// The registry reference of L's pool of ops (DataState::op_pool).
  int op_pool() const { return op_pool_; }

  /// A new job of this connection (null when out of memory). The
  /// connection lives at least as long as its jobs; free them with
  /// delete_job (or abandon), which keeps a few small ones for reuse.
  SqlJob* new_job(SqlJobKind kind);
  void delete_job(SqlJob& job);

  /// Appends `job` to the FIFO (the connection does not own it: its
  /// waiter does, or, once detached, the connection frees it when done).
  void submit(SqlJob& job);
  /// Takes a queued job back (not started); false if it is running.
  bool withdraw(SqlJob& job);
  /// The running job's statement stops as soon as possible (SQLite
  /// answers SQLITE_INTERRUPT); no effect on other jobs.
  void interrupt(SqlJob& job);
  /// Nobody will read `job`: queued, it is freed now; running, it is
  /// interrupted and freed when done; finished, freed now.
  void abandon(SqlJob& job);

  /// The transaction gate (db:transaction). A `begin` job closes it for
  /// its owner when it starts; it opens again once SQLite is back in
  /// autocommit mode.
  std::uint64_t next_transaction() { return ++transaction_counter_; }
  /// The serial of the transaction open now (0: none).
  std::uint64_t open_transaction() const { return open_transaction_; }
  std::uint64_t gate_owner() const { return gate_owner_; }
  bool gate_closed() const { return gate_closed_; }
  /// Runs a ROLLBACK of the open transaction that nobody waits for, next.
  void roll_back_detached();

  /// std.kv's table is known to exist.
  bool kv_ready = false;

 private:
  template <class T, class... Args>
  friend T* try_new(Args&&... args);
  SqlConnection(uv_loop_t* loop, int op_pool, double timeout_ms, sqlite3* db, bool owns_db);
  ~SqlConnection() {
    for (SqlJob* job : spare_jobs_) delete job;
  }

  bool lets_through(const SqlJob& job) const {
    return !gate_closed_ || job.owner == gate_owner_ || job.kind == SqlJobKind::close;
  }
  SqlJob* next_job();
  void pump();
  void start(SqlJob& job);
  void finish(SqlJob& job);
  void update_gate();
  void maybe_close();
  void close_handles();
  void maybe_free();
  void drop_spare();
  void keep_or_delete(SqlJob& job);

  static void run_job(void* self, SqlJob& job);
  static void job_done(void* self, SqlJob& job);
  static void thread_closed(void* self);
  static void timer_cb(uv_timer_t* timer);
  static void timer_closed_cb(uv_handle_t* handle);
  static int progress_cb(void* self);
  static void on_shutdown(OwnedResource& owned);
  static bool poll_cb(OwnedResource& owned, std::uint64_t until_ns);

  uv_loop_t* loop_;
  int op_pool_;
  sqlite3* db_;
  bool owns_db_;
  double timeout_ms_;
  uv_timer_t timer_{};        // the running statement's timeout
  bool timed_ = false;        // the running statement has one
  std::uint64_t deadline_ns_ = 0;  // its end (uv_hrtime)
  std::deque<SqlJob*> queue_;
  SqlJob* running_ = nullptr;
  int holders_ = 0;
  int jobs_ = 0;              // alive, in any state
  bool closing_ = false;      // the close job is queued or done
  bool handles_closing_ = false;
  bool timer_closed_ = false;
  bool thread_closed_ = false;  // its handles
  bool shut_down_ = false;
  std::uint64_t transaction_counter_ = 0;
  std::uint64_t open_transaction_ = 0;
  bool gate_closed_ = false;
  std::uint64_t gate_owner_ = 0;
  std::uint64_t gate_transaction_ = 0;
  SqlJob* spare_rollback_ = nullptr;  // set aside when a transaction begins
  std::vector<SqlJob*> spare_jobs_;   // finished jobs kept for reuse
  bool rollback_pending_ = false;     // spare_rollback_ runs next
  OwnedResource owned_;

  // Shared with the worker thread, each on a cache line of its own (the
  // worker writes the cache at every statement, the loop the fields above).
  alignas(64) SqlStatementCache cache_;  // used by whoever runs the statements
  alignas(64) SqlStop stop_;  // the running statement must stop
  SqlThread thread_;
};

}  // namespace lua_batteries::data
