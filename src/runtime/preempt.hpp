// Preemption of Lua code that runs longer than a time slice (Config::slice_ms).
//
// A Lua VM with any hook installed checks it on every instruction (about 2x
// slower), so the hook is armed only once a slice has run out, the way the
// `lua` interpreter arms its Ctrl-C hook from a signal handler:
//
//  - the loop thread owns a POSIX timer on its own CPU-time clock
//    (CLOCK_THREAD_CPUTIME_ID) that sends Config::preempt_signal to that
//    thread every tick: every half slice of CPU it uses, or every
//    millisecond if that is shorter. It never fires while the loop sleeps,
//    and no other thread is involved;
//  - the scheduler keeps `current` (the innermost Lua thread of the fiber
//    it is resuming, null outside a resume), a resume sequence number and
//    the earliest deadline as the resume began up to date: a few relaxed
//    stores per resume and per coroutine switch;
//  - the signal handler, on the loop thread, counts the ticks the same
//    resume has lasted through. Once they make half a slice, or once that
//    earliest deadline has passed (a sleeper is due, or a with_timeout
//    deadline), it arms a count hook on `current` (lua_sethook, which
//    Lua's source allows in a signal handler and lua.c uses there). So a
//    busy fiber delays timers by at most a tick, not a slice;
//  - the hook yields (lua_yield(L, 0)) with Fiber::preempted set, if the
//    fiber can suspend there; inside a C call that cannot yield it stays
//    armed and tries again every kRetryInstructions instructions. A hook
//    left over from an earlier resume removes itself without yielding.
//
// Only the loop thread ever touches a lua_State.
#pragma once

#include <lua.hpp>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdint>
#include <ctime>

namespace lua_batteries::detail {

class Preemptor {
 public:
  Preemptor() = default;
  ~Preemptor() { stop(); }
  Preemptor(const Preemptor&) = delete;
  Preemptor& operator=(const Preemptor&) = delete;

  /// Installs the signal handler (shared by every runtime using the same
  /// signal) and starts the CPU-time timer of the calling thread, which
  /// must be the loop thread. `signal_number` 0 picks kDefaultSignalOffset.
  /// Returns null on success, else a static error message.
  const char* start(double slice_ms, int signal_number);
  /// Stops the timer and drops this runtime's share of the handler (the
  /// host's previous handler comes back with the last one). Idempotent.
  void stop();
  bool is_on() const { return started_; }
  /// Called by the scheduler before it resumes anything: a runtime driven
  /// from a thread other than the one that started preemption (a host
  /// error) is not preempted, rather than have the handler on that other
  /// thread touch a lua_State it does not run.
  void check_thread() {
    if (started_ && !off_thread_.load(std::memory_order_relaxed) && !pthread_equal(pthread_self(), owner_))
      off_thread_.store(true, std::memory_order_relaxed);
  }

  // Only the loop thread writes these and only its signal handler reads
  // them besides; the calls into Lua in between are opaque to the
  // compiler, so no fence is needed around them. The release store keeps
  // the new sequence number ahead of the thread it belongs to.

  /// The scheduler resumes `thread` as the outermost thread of a fiber;
  /// `next_due_ns` is its earliest deadline (uv_hrtime's clock), or
  /// UINT64_MAX for none.
  void enter_resume(lua_State* thread, std::uint64_t next_due_ns) {
    next_due_ns_.store(next_due_ns, std::memory_order_relaxed);
    seq_.store(seq_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    current_.store(thread, std::memory_order_release);
  }
  /// The resume returned to the scheduler.
  void leave_resume() { current_.store(nullptr, std::memory_order_relaxed); }
  /// The innermost running thread changes inside a resume (coroutine
  /// library). Returns what it was, to be restored afterwards; no effect
  /// outside a resume (null).
  lua_State* switch_to(lua_State* thread) {
    lua_State* previous = current_.load(std::memory_order_relaxed);
    if (previous) current_.store(thread, std::memory_order_relaxed);
    return previous;
  }
  void switch_back(lua_State* previous) {
    if (previous) current_.store(previous, std::memory_order_relaxed);
  }

  /// The default signal: SIGRTMIN + kDefaultSignalOffset.
  static constexpr int kDefaultSignalOffset = 3;
  /// The hook's retry interval inside a C call that cannot yield.
  static constexpr int kRetryInstructions = 1000;
  /// The longest tick: how late a busy fiber can make a due deadline.
  static constexpr long long kMaxTickNs = 1'000'000;

 private:
  friend void on_preempt_signal(int, siginfo_t*, void*);
  friend void preempt_hook(lua_State* L, lua_Debug* ar);
  void on_tick();

  std::atomic<lua_State*> current_{nullptr};
  std::atomic<std::uint64_t> seq_{0};
  std::atomic<std::uint64_t> next_due_ns_{UINT64_MAX};
  // Written by the signal handler, read by the hook; both on the loop thread.
  std::atomic<std::uint64_t> last_tick_seq_{0};
  std::atomic<std::uint64_t> due_seq_{0};
  // The signal handler's own: ticks the current resume has lasted through,
  // and how many make half a slice.
  unsigned ticks_spanned_ = 0;
  unsigned ticks_per_half_slice_ = 1;

  bool started_ = false;
  std::atomic<bool> off_thread_{false};
  pthread_t owner_{};
  int signal_ = 0;
  timer_t timer_{};
  bool has_timer_ = false;
  Preemptor* next_on_thread_ = nullptr;  // the loop thread's live preemptors
  Preemptor** list_head_ = nullptr;      // that list's head
};

/// The count hook; exposed so that other code can recognise it.
void preempt_hook(lua_State* L, lua_Debug* ar);

}  // namespace lua_batteries::detail
