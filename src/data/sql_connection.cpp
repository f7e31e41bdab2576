// A SQLite connection driven from the loop thread (sql_connection.hpp).
#include "data/sql_connection.hpp"

#include <cmath>
#include <new>

#include "data/try_new.hpp"

namespace lua_batteries::data {
namespace {

// SQLite calls the progress handler every this many VM instructions; it
// stops a statement whose interrupt came before the statement started
// (sqlite3_interrupt only reaches statements already running).
constexpr int kProgressInstructions = 1000;

bool has_timeout(SqlJobKind kind) {
  return kind == SqlJobKind::query || kind == SqlJobKind::exec || kind == SqlJobKind::exec_many ||
         kind == SqlJobKind::begin || kind == SqlJobKind::commit;
}

}  // namespace

SqlConnection::SqlConnection(uv_loop_t* loop, int op_pool, double timeout_ms, sqlite3* db, bool owns_db)
    : loop_(loop),
      op_pool_(op_pool),
      db_(db),
      owns_db_(owns_db),
      timeout_ms_(timeout_ms),
      owned_(&SqlConnection::on_shutdown, this),
      thread_(this, {&SqlConnection::run_job, &SqlConnection::job_done, &SqlConnection::thread_closed}) {
  timer_.data = this;
  owned_.set_poll(&SqlConnection::poll_cb);
}

SqlConnection* SqlConnection::create(lua_State* L, const DataState& state, double timeout_ms, sqlite3* db,
                                     bool owns_db) {
  uv_loop_t* loop = state.loop;
  auto* c = try_new<SqlConnection>(loop, state.op_pool, timeout_ms, db, owns_db);
  if (c == nullptr) return nullptr;
  uv_timer_init(loop, &c->timer_);
  uv_unref(reinterpret_cast<uv_handle_t*>(&c->timer_));  // it may stay armed after the last statement
  c->thread_.init(loop);
  if (!own(L, c->owned_)) {
    c->shut_down_ = true;
    c->db_ = nullptr;  // the caller keeps `db`
    c->close_handles();
    return nullptr;
  }
  if (db != nullptr) sqlite3_progress_handler(db, kProgressInstructions, &SqlConnection::progress_cb, c);
  return c;
}

sqlite3* SqlConnection::open_now(const char* path, std::string& error) {
  SqlJob job(nullptr, SqlJobKind::open);
  try {
    job.sql = path;
  } catch (const std::bad_alloc&) {
    error = "not enough memory";
    return nullptr;
  }
  run_sql_job(job, nullptr, nullptr);
  if (job.failed()) error = job.error.empty() ? "not enough memory" : job.error;
  return job.opened;
}

SqlJob* SqlConnection::new_job(SqlJobKind kind) {
  SqlJob* job = nullptr;
  if (!spare_jobs_.empty()) {
    job = spare_jobs_.back();
    spare_jobs_.pop_back();
    job->recycle(kind);
  } else {
    job = try_new<SqlJob>(this, kind);
  }
  if (job != nullptr) ++jobs_;
  return job;
}

void SqlConnection::delete_job(SqlJob& job) {
  --jobs_;
  keep_or_delete(job);
  maybe_free();
}

// Kept for reuse: one of the last few, if its buffers are small (a big
// result's would stay allocated).
void SqlConnection::keep_or_delete(SqlJob& job) {
  constexpr std::size_t kSpareJobs = 4;
  constexpr std::size_t kSmall = 64;
  if (spare_jobs_.size() < kSpareJobs && !shut_down_ && !closing_ && job.rows.empty() &&
      job.params.capacity() <= kSmall && job.cells.capacity() <= kSmall && job.columns.capacity() <= kSmall &&
      job.sql.capacity() <= 16 * kSmall) {
    try {
      spare_jobs_.push_back(&job);
      return;
    } catch (const std::bad_alloc&) {
    }
  }
  delete &job;
}

void SqlConnection::release() {
  --holders_;
  maybe_close();
  maybe_free();
}

void SqlConnection::submit(SqlJob& job) {
  if (shut_down_) {
    job.finished = true;
    job.clear_results();
    job.rc = SQLITE_MISUSE;
    job.error = "database is closed";
    if (job.on_done && job.waiter) job.on_done(job);
    return;
  }
  if (running_ == nullptr && queue_.empty() && !rollback_pending_ && lets_through(job)) {
    start(job);  // nothing to wait for: the queue is skipped
    return;
  }
  try {
    queue_.push_back(&job);
  } catch (const std::bad_alloc&) {
    job.finished = true;
    job.clear_results();
    job.rc = SQLITE_NOMEM;  // "not enough memory"
    if (job.on_done && job.waiter) job.on_done(job);
    else delete_job(job);
    return;
  }
  job.queued = true;
  pump();
}

bool SqlConnection::withdraw(SqlJob& job) {
  if (!job.queued) return false;
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (*it == &job) {
      queue_.erase(it);
      break;
    }
  }
  job.queued = false;
  pump();  // the withdrawn job may have been the last one
  return true;
}

void SqlConnection::interrupt(SqlJob& job) {
  if (&job != running_) return;
  stop_.requested.store(true, std::memory_order_relaxed);
  if (db_ != nullptr) sqlite3_interrupt(db_);
}

void SqlConnection::abandon(SqlJob& job) {
  job.waiter = nullptr;
  job.on_done = nullptr;
  if (job.running) {
    interrupt(job);  // freed when it finishes
    return;
  }
  withdraw(job);
  delete_job(job);
}

// The ROLLBACK of a transaction nobody ends any more. It uses the job
// set aside when the transaction began and skips the queue, so it needs
// no allocation: out of memory cannot leave the transaction open.
void SqlConnection::roll_back_detached() {
  if (spare_rollback_ == nullptr) return;  // no transaction of ours began
  rollback_pending_ = true;
  pump();
}

void SqlConnection::drop_spare() {
  if (spare_rollback_ == nullptr) return;
  SqlJob* spare = spare_rollback_;
  spare_rollback_ = nullptr;
  delete spare;
  --jobs_;
}

// The first job the gate lets through: any while no transaction of
// db:transaction is open, else only its owner's (and the close).
SqlJob* SqlConnection::next_job() {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    SqlJob* job = *it;
    if (lets_through(*job)) {
      queue_.erase(it);
      return job;
    }
  }
  return nullptr;
}

void SqlConnection::pump() {
  if (running_ != nullptr || shut_down_) return;
  if (rollback_pending_) {
    rollback_pending_ = false;
    SqlJob* rollback = spare_rollback_;
    spare_rollback_ = nullptr;
    rollback->sql = "ROLLBACK";      // fits the short-string buffer
    rollback->owner = gate_owner_;
    start(*rollback);
    return;
  }
  SqlJob* job = next_job();
  if (job == nullptr) {
    maybe_close();
    return;
  }
  start(*job);
}

void SqlConnection::start(SqlJob& job) {
  job.queued = false;
  job.running = true;
  running_ = &job;
  // Written only if set: the worker reads the word in SQLite's progress
  // handler, and a store each statement would move its cache line.
  if (stop_.requested.load(std::memory_order_relaxed)) stop_.requested.store(false, std::memory_order_relaxed);
  if (stop_.shielded.load(std::memory_order_relaxed)) stop_.shielded.store(false, std::memory_order_relaxed);
  job.stop = &stop_;
  if (job.kind == SqlJobKind::begin) {
    if (spare_rollback_ == nullptr) spare_rollback_ = new_job(SqlJobKind::rollback);
    if (spare_rollback_ == nullptr) {  // no way to end it: do not begin
      job.clear_results();
      job.rc = SQLITE_NOMEM;
      finish(job);
      return;
    }
    gate_closed_ = true;
    gate_owner_ = job.owner;
    gate_transaction_ = job.transaction;
  }
  if (const int rc = thread_.post(job); rc != 0) {
    job.clear_results();
    job.rc = rc == UV_ENOMEM ? SQLITE_NOMEM : SQLITE_ERROR;  // NOMEM: "not enough memory"
    if (rc != UV_ENOMEM) job.error = "cannot start the connection's thread";
    finish(job);
    return;
  }
  owned_.expect_completion();
  // The timer is not stopped when a statement ends: one armed for an
  // earlier statement's deadline is moved on when it fires (no timer
  // operation per statement when they come back to back).
  timed_ = timeout_ms_ > 0 && has_timeout(job.kind);
  if (timed_) {
    const auto timeout = static_cast<std::uint64_t>(std::ceil(timeout_ms_));
    deadline_ns_ = uv_hrtime() + timeout * 1'000'000;
    if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&timer_))) {
      uv_timer_start(&timer_, &SqlConnection::timer_cb, timeout, 0);
    }
  }
}

void SqlConnection::run_job(void* self, SqlJob& job) {
  auto* c = static_cast<SqlConnection*>(self);
  run_sql_job(job, c->db_, &c->cache_);
}

void SqlConnection::job_done(void* self, SqlJob& job) { static_cast<SqlConnection*>(self)->finish(job); }

// After a shutdown nobody is told: a job whose op is still alive is left
// finished for the op to free, as the queued ones are (on_shutdown).
void SqlConnection::finish(SqlJob& job) {
  owned_.completion_arrived();
  running_ = nullptr;
  job.running = false;
  job.finished = true;
  if (job.kind == SqlJobKind::open && job.opened != nullptr) {
    if (shut_down_) {
      sqlite3_close_v2(job.opened);
    } else {
      db_ = job.opened;
      sqlite3_progress_handler(db_, kProgressInstructions, &SqlConnection::progress_cb, this);
    }
    job.opened = nullptr;
  }
  // A close never fails once it ran; one taken back at a shutdown before
  // it ran did (SQLITE_INTERRUPT), and the handle is still open.
  if (job.kind == SqlJobKind::close && !job.failed()) db_ = nullptr;
  update_gate();
  // A transaction whose task went away while its BEGIN ran.
  if (!shut_down_ && job.waiter == nullptr && job.kind == SqlJobKind::begin && !job.failed() && open_transaction_)
    roll_back_detached();
  const bool closed = job.kind == SqlJobKind::close;
  if (job.waiter != nullptr && job.on_done != nullptr) {
    if (!shut_down_) job.on_done(job);
  } else {
    --jobs_;
    keep_or_delete(job);
  }
  if (closed || shut_down_) close_handles();
  pump();
  maybe_free();
}

void SqlConnection::update_gate() {
  if (db_ == nullptr || sqlite3_get_autocommit(db_)) {
    open_transaction_ = 0;
    gate_closed_ = false;
    gate_owner_ = 0;
  } else if (gate_closed_) {
    open_transaction_ = gate_transaction_;
  }
}

void SqlConnection::maybe_close() {
  if (holders_ > 0 || closing_ || shut_down_ || running_ != nullptr || !queue_.empty() || rollback_pending_) return;
  closing_ = true;
  drop_spare();
  if (db_ == nullptr || !owns_db_) {
    cache_.clear();  // nothing runs: the loop thread may
    if (db_ != nullptr) sqlite3_progress_handler(db_, 0, nullptr, nullptr);  // the host's handle
    db_ = nullptr;
    close_handles();
    return;
  }
  // The handle is closed on the connection's thread: a WAL checkpoint may run.
  SqlJob* job = new_job(SqlJobKind::close);
  if (job == nullptr) {
    cache_.clear();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    close_handles();
    return;
  }
  try {
    queue_.push_back(job);
  } catch (const std::bad_alloc&) {
    delete_job(*job);
    cache_.clear();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    close_handles();
    return;
  }
  job->queued = true;
  pump();
}

// Nothing runs on the thread any more: it is joined here.
void SqlConnection::close_handles() {
  if (handles_closing_) return;
  handles_closing_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &SqlConnection::timer_closed_cb);
  thread_.close();
}

void SqlConnection::timer_closed_cb(uv_handle_t* handle) {
  auto* c = static_cast<SqlConnection*>(handle->data);
  c->timer_closed_ = true;
  c->maybe_free();
}

void SqlConnection::thread_closed(void* self) {
  auto* c = static_cast<SqlConnection*>(self);
  c->thread_closed_ = true;
  c->maybe_free();
}

void SqlConnection::maybe_free() {
  if (timer_closed_ && thread_closed_ && running_ == nullptr && holders_ == 0 && jobs_ == 0) delete this;
}

void SqlConnection::timer_cb(uv_timer_t* timer) {
  auto* c = static_cast<SqlConnection*>(timer->data);
  if (c->running_ == nullptr || !c->timed_) return;  // stays off until the next timed statement
  const std::uint64_t now = uv_hrtime();
  if (now < c->deadline_ns_) {
    uv_update_time(c->loop_);  // the timer counts from the loop's time
    uv_timer_start(timer, &SqlConnection::timer_cb, (c->deadline_ns_ - now + 999'999) / 1'000'000, 0);
    return;
  }
  c->running_->timed_out = true;
  c->interrupt(*c->running_);
}

int SqlConnection::progress_cb(void* self) {
  return static_cast<SqlConnection*>(self)->stop_.stops() ? 1 : 0;
}

bool SqlConnection::poll_cb(OwnedResource& owned, std::uint64_t until_ns) {
  return static_cast<SqlConnection*>(owned.user_data())->thread_.poll(until_ns);
}

// The runtime closes: every task was aborted already (their jobs were
// abandoned); nothing waits any more. The statement still running is
// stopped and waited for (or taken back if the thread has not started
// it), so that the thread can be joined and the handle closed now.
void SqlConnection::on_shutdown(OwnedResource& owned) {
  auto* c = static_cast<SqlConnection*>(owned.user_data());
  c->shut_down_ = true;
  c->rollback_pending_ = false;  // closing the handle rolls back
  c->drop_spare();
  uv_timer_stop(&c->timer_);
  while (!c->queue_.empty()) {
    SqlJob* job = c->queue_.front();
    c->queue_.pop_front();
    job->queued = false;
    job->finished = true;
    job->clear_results();
    job->rc = SQLITE_INTERRUPT;
    if (job->waiter == nullptr) {
      delete job;
      --c->jobs_;
    }
  }
  if (c->running_ != nullptr) {
    SqlJob& job = *c->running_;
    if (c->thread_.retract()) {
      job.clear_results();
      job.rc = SQLITE_INTERRUPT;  // it never ran
      job.error = "interrupted";
    } else {
      c->stop_.requested.store(true, std::memory_order_relaxed);
      if (c->db_ != nullptr) sqlite3_interrupt(c->db_);
      c->thread_.wait();
    }
    c->finish(job);  // joins the thread
  }
  c->close_handles();  // joins the thread, if no job was out
  c->cache_.clear();  // no statement runs any more
  if (c->db_ != nullptr && c->owns_db_) sqlite3_close_v2(c->db_);
  else if (c->db_ != nullptr) sqlite3_progress_handler(c->db_, 0, nullptr, nullptr);  // the host's handle
  c->db_ = nullptr;
  c->closing_ = true;
}

}  // namespace lua_batteries::data
