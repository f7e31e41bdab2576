// The thread of one SQLite connection and its hand-offs (sql_thread.hpp).
#include "data/sql_thread.hpp"

#include <pthread.h>
#include <signal.h>

#include <new>
#include <system_error>

namespace lua_batteries::data {
namespace {

// Spins until done() or the clock passes until_ns. Each turn yields the
// processor: when the other side waits for this very core (the machine's
// other cores being busy) it runs at once, where a spin on a pause
// instruction would hold the core for the whole window (measured: 100 µs
// a statement, against 3 to 9 µs with the yield, on a loaded 2-core VM).
// With a core free the yield returns at once.
template <class Done>
void spin_until(std::uint64_t until_ns, Done done) {
  while (!done() && uv_hrtime() < until_ns) std::this_thread::yield();
}

}  // namespace

// The thread takes no process-directed signals (SIGINT, SIGCHLD...): they
// go to the loop thread, as they would without it, and none interrupts a
// SQLite system call. A new thread inherits its creator's mask, so the
// loop thread blocks them for the time of the creation (one arriving
// meanwhile waits until then). Faults stay deliverable.
int SqlThread::start_thread() {
  sigset_t blocked;
  sigfillset(&blocked);
  for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT}) sigdelset(&blocked, fault);
  sigset_t saved;
  pthread_sigmask(SIG_BLOCK, &blocked, &saved);
  int rc = 0;
  inbox_.store(kEmpty);
  try {
    thread_ = std::thread(&SqlThread::main, this);
  } catch (const std::bad_alloc&) {
    rc = UV_ENOMEM;
  } catch (const std::system_error&) {
    rc = UV_EAGAIN;
  }
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  return rc;
}

void SqlThread::init(uv_loop_t* loop) {
  loop_ = loop;
  uv_prepare_init(loop, &prepare_);
  prepare_.data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(&prepare_));
  ++open_handles_;
  // Fails only without a descriptor for the loop's wake-up (the first
  // async of a loop makes one); then every post fails.
  if (uv_async_init(loop, &async_, &SqlThread::async_cb) == 0) {
    async_.data = this;
    uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
    async_open_ = true;
    ++open_handles_;
  }
}

int SqlThread::post(SqlJob& job) {
  if (!async_open_) return UV_EMFILE;
  if (!thread_.joinable()) {
    if (const int rc = start_thread(); rc != 0) return rc;
  }
  job_ = &job;
  out_ = true;
  if (inbox_.exchange(kPosted) == kParked) {
    std::lock_guard<std::mutex> lock(mutex_);
    worker_wake_.notify_one();
  }
  // The worker may be running the job already: what follows is the loop
  // thread's own (a completion meanwhile is taken by the next spin, or
  // comes by the uv_async).
  uv_ref(reinterpret_cast<uv_handle_t*>(&async_));  // the loop waits for the result
  spin_until_ns_ = uv_hrtime() + kLoopSpinNs;
  uv_prepare_start(&prepare_, &SqlThread::prepare_cb);
  return 0;
}

bool SqlThread::retract() {
  if (!out_) return false;
  std::uint32_t word = kPosted;
  if (!inbox_.compare_exchange_strong(word, kEmpty)) return false;  // the worker took it
  out_ = false;
  uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
  uv_prepare_stop(&prepare_);
  return true;
}

SqlJob& SqlThread::wait() {
  std::uint32_t word = kLoopAway;
  if (completion_.compare_exchange_strong(word, kLoopBlocked)) {
    std::unique_lock<std::mutex> lock(mutex_);
    loop_wake_.wait(lock, [this] { return completion_.load() == kCompleted; });
  }
  return take();
}

void SqlThread::stop() {
  if (!thread_.joinable()) return;
  if (inbox_.exchange(kStop) == kParked) {
    std::lock_guard<std::mutex> lock(mutex_);
    worker_wake_.notify_one();
  }
  thread_.join();
}

void SqlThread::close() {
  if (closing_) return;
  closing_ = true;
  stop();
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), &SqlThread::closed_cb);
  if (async_open_) uv_close(reinterpret_cast<uv_handle_t*>(&async_), &SqlThread::closed_cb);
}

void SqlThread::main() {
  while (next_order() == kPosted) {
    hooks_.run(owner_, *job_);
    complete();
  }
}

// The next job (kPosted, taken) or kStop: spins for it, then parks.
SqlThread::Inbox SqlThread::next_order() {
  spin_until(uv_hrtime() + kWorkerSpinNs, [this] { return inbox_.load() != kEmpty; });
  for (;;) {
    std::uint32_t word = inbox_.load();
    if (word == kStop) return kStop;
    if (word == kPosted) {
      if (inbox_.compare_exchange_strong(word, kEmpty)) return kPosted;
      continue;  // retracted
    }
    if (word == kEmpty && !inbox_.compare_exchange_strong(word, kParked)) continue;  // an order came
    std::unique_lock<std::mutex> lock(mutex_);
    worker_wake_.wait(lock, [this] { return inbox_.load() != kParked; });
  }
}

void SqlThread::complete() {
  switch (completion_.exchange(kCompleted)) {
    case kLoopAway: uv_async_send(&async_); break;
    case kLoopBlocked: {
      std::lock_guard<std::mutex> lock(mutex_);
      loop_wake_.notify_one();
      break;
    }
    default: break;  // kLoopSpinning: the loop sees the word change
  }
}

SqlJob& SqlThread::take() {
  completion_.store(kLoopAway);
  out_ = false;
  uv_unref(reinterpret_cast<uv_handle_t*>(&async_));
  uv_prepare_stop(&prepare_);
  return *job_;
}

void SqlThread::deliver() { hooks_.done(owner_, take()); }

void SqlThread::async_cb(uv_async_t* async) {
  auto* t = static_cast<SqlThread*>(async->data);
  // A wake-up whose result a spin took already finds nothing.
  if (t->out_ && t->completion_.load() == kCompleted) t->deliver();
}

// Spins for the job out until until_ns; delivers it if it came.
bool SqlThread::spin_for_result(std::uint64_t until_ns) {
  std::uint32_t word = kLoopAway;
  if (completion_.compare_exchange_strong(word, kLoopSpinning)) {
    spin_until(until_ns, [this] { return completion_.load() != kLoopSpinning; });
    word = kLoopSpinning;
    if (completion_.compare_exchange_strong(word, kLoopAway)) return false;  // still running: the uv_async will tell
  }
  deliver();  // kCompleted: the worker sends no uv_async, or one that finds nothing
  return true;
}

bool SqlThread::poll(std::uint64_t until_ns) {
  if (!out_ || uv_hrtime() >= spin_until_ns_) return false;
  return spin_for_result(until_ns < spin_until_ns_ ? until_ns : spin_until_ns_);
}

// Before the loop polls: if it would sleep, it spins for the result
// first, until spin_until_ns_; past that, the prepare handle stops.
void SqlThread::prepare_cb(uv_prepare_t* prepare) {
  auto* t = static_cast<SqlThread*>(prepare->data);
  if (t->completion_.load() == kCompleted) return t->deliver();
  if (uv_backend_timeout(t->loop_) == 0) return;  // the loop has other work: it will not sleep
  if (uv_hrtime() >= t->spin_until_ns_ || !t->spin_for_result(t->spin_until_ns_)) uv_prepare_stop(prepare);
}

void SqlThread::closed_cb(uv_handle_t* handle) {
  auto* t = static_cast<SqlThread*>(handle->data);
  if (--t->open_handles_ == 0) t->hooks_.closed(t->owner_);
}

}  // namespace lua_batteries::data
