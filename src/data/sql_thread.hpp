// lua-batteries: the thread that runs one SQLite connection's statements,
// and the hand-off of its jobs, one at a time, to and from the loop thread.
//
// A connection's statements run one after the other, each a few
// microseconds when the data is cached; what costs is waking a sleeping
// thread, twice per statement (the worker for the job, the loop for the
// result: ~12 µs each on a VM). So neither side sleeps at once:
// - the worker, done with a job, spins for the next one up to
//   kWorkerSpinNs before it parks; the loop thread wakes it only if it
//   parked;
// - the loop thread, with nothing else to do while a job runs, spins for
//   the result up to kLoopSpinNs after the job was posted: in the
//   runtime's dispatch when no task can run (poll), and in a prepare
//   handle when the loop would sleep (no fiber runnable, nothing pending:
//   uv_backend_timeout is not 0); the worker sends the uv_async wake-up
//   only if the loop is not spinning for it. A longer statement is
//   delivered by the uv_async as with any other wake-up, and the loop
//   sleeps meanwhile.
// A spin yields the processor at every turn (sched_yield), so that on a
// machine whose other cores are busy the two threads take turns on one
// core rather than each spinning out its window while the other waits.
//
// The two protocols (each a 32-bit word, sequentially consistent):
//
// inbox_ (loop -> worker): kEmpty, kPosted, kParked, kStop.
//   post: job_ = job; prev = exchange(kPosted); wake if prev == kParked.
//   worker: takes a job with CAS kPosted -> kEmpty; parks with CAS
//   kEmpty -> kParked, then sleeps while the word is kParked, checking it
//   under mutex_. The poster's exchange comes before or after that check:
//   before, the worker sees kPosted and does not sleep; after, the worker
//   holds mutex_ from its check until it sleeps, and the poster takes
//   mutex_ to notify, so the notify finds it asleep. No wake-up is lost.
//   retract: CAS kPosted -> kEmpty; exactly one of retract and the
//   worker's take wins.
//
// completion_ (worker -> loop): kLoopAway, kLoopSpinning, kLoopBlocked,
// kCompleted.
//   worker, a job done: prev = exchange(kCompleted); prev kLoopAway: it
//   sends the uv_async; kLoopSpinning: nothing (the loop is looking);
//   kLoopBlocked: notifies under mutex_ (as above).
//   loop spin: CAS kLoopAway -> kLoopSpinning (failing: kCompleted, take
//   it); spin while the word is kLoopSpinning; then CAS kLoopSpinning ->
//   kLoopAway: success means the job is still running and the worker will
//   see kLoopAway and send the uv_async; failure means the worker's
//   exchange came first and saw kLoopSpinning, so no uv_async comes: take
//   the result now. Every completion is thus taken exactly once: by the
//   spin, or by the uv_async callback (which takes nothing unless the word
//   is kCompleted, so a uv_async left over from a result the spin took
//   is harmless). Taking stores kLoopAway; nothing else writes the word
//   until the next job is posted.
//
// Threading: the loop thread, except where a member says otherwise.
#pragma once

#include <uv.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "data/sql_job.hpp"

namespace lua_batteries::data {

class SqlThread {
 public:
  /// How long each side spins before it sleeps.
  static constexpr std::uint64_t kWorkerSpinNs = 50'000;
  static constexpr std::uint64_t kLoopSpinNs = 50'000;

  struct Hooks {
    /// Runs the job (worker thread).
    void (*run)(void* owner, SqlJob& job);
    /// The job posted last is done (loop thread; from a libuv callback).
    void (*done)(void* owner, SqlJob& job);
    /// Both handles are closed (loop thread): the owner may be freed.
    void (*closed)(void* owner);
  };

  SqlThread(void* owner, Hooks hooks) : owner_(owner), hooks_(hooks) {}
  ~SqlThread() { stop(); }
  SqlThread(const SqlThread&) = delete;
  SqlThread& operator=(const SqlThread&) = delete;

  /// Opens the handles on `loop` (they keep it alive only while a job is
  /// out). Once, before anything else.
  void init(uv_loop_t* loop);

  /// Hands `job` to the worker, starting it at the first job; no job may
  /// be out. 0, or UV_ENOMEM / another libuv error if no thread can be
  /// started (then the job was not taken).
  int post(SqlJob& job);
  /// Takes back the job out if the worker has not started it.
  bool retract();
  /// Spins for the job out, as the loop does before it sleeps, but at
  /// most until `until_ns`; if it is done, calls the done hook and returns
  /// true (for the runtime's dispatch, with no task to run).
  bool poll(std::uint64_t until_ns);
  /// Waits, blocking, for the job out to be done and returns it; the done
  /// hook is not called (for a shutdown).
  SqlJob& wait();
  /// Ends and joins the worker; no job may be out. Idempotent.
  void stop();
  /// stop(), then closes the handles; the closed hook follows. Once.
  void close();

 private:
  enum Inbox : std::uint32_t { kEmpty, kPosted, kParked, kStop };
  enum Completion : std::uint32_t { kLoopAway, kLoopSpinning, kLoopBlocked, kCompleted };

  // Worker thread.
  void main();
  Inbox next_order();
  void complete();

  // Loop thread.
  int start_thread();
  SqlJob& take();
  void deliver();
  bool spin_for_result(std::uint64_t until_ns);
  static void async_cb(uv_async_t* async);
  static void prepare_cb(uv_prepare_t* prepare);
  static void closed_cb(uv_handle_t* handle);

  void* owner_;
  Hooks hooks_;
  uv_loop_t* loop_ = nullptr;
  uv_async_t async_{};
  uv_prepare_t prepare_{};
  bool async_open_ = false;  // uv_async_init succeeded
  int open_handles_ = 0;
  bool closing_ = false;
  bool out_ = false;  // a job is posted and not yet taken back
  std::uint64_t spin_until_ns_ = 0;  // the loop spins for the job out until then
  std::thread thread_;

  // Shared with the worker, on a cache line of their own: the loop
  // thread's writes to its own fields must not take the line away from a
  // worker spinning on it.
  alignas(64) SqlJob* job_ = nullptr;  // written before inbox_'s kPosted, read after
  std::atomic<std::uint32_t> inbox_{kEmpty};
  std::atomic<std::uint32_t> completion_{kLoopAway};
  alignas(64) std::mutex mutex_;  // for sleeping only (see the protocols)
  std::condition_variable worker_wake_;
  std::condition_variable loop_wake_;
};

}  // namespace lua_batteries::data
