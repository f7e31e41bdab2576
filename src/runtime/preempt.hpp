// Preemption of Lua code that runs long without suspending: the watchdog
// (the default) and time slicing (Config::slice_ms > 0); see task.hpp's
// Config::slice_ms for what each promises.
//
// A Lua VM with any hook installed checks it on every instruction (about 2x
// slower), so the hook is armed only when there is something to do, the
// way the `lua` interpreter arms its Ctrl-C hook from a signal handler:
//
//  - the loop thread owns a POSIX timer on its own CPU-time clock
//    (CLOCK_THREAD_CPUTIME_ID) that sends Config::preempt_signal to that
//    thread every tick: every half period (the slice, or the watchdog's
//    kWatchdogPeriodMs) of CPU it uses, or every millisecond if that is
//    shorter. It never fires while the loop sleeps, and no other thread is
//    involved;
//  - the scheduler keeps `current` (the innermost Lua thread of the fiber
//    it is resuming, null outside a resume), a resume sequence number and
//    the earliest deadline as the resume began up to date: a few relaxed
//    stores per resume and per coroutine switch;
//  - the signal handler, on the loop thread, counts the ticks the same
//    resume has lasted through. Once they make half a period ("over"), or
//    once that earliest deadline has passed, it arms a count hook on
//    `current` (lua_sethook, which Lua's source allows in a signal handler
//    and lua.c uses there). A script's own hook on that thread is set
//    aside meanwhile and put back when the hook is done, unless a hard
//    abort stops the code (lua.c drops it on SIGINT alike);
//  - the hook (watchdog.cpp, Runtime::on_preempt_hook) fires what is due
//    without leaving the busy code, then: with a hard abort due for the
//    busy fiber, yields it to the scheduler, which tears it down, or where
//    it cannot yield raises the abort (and stays armed, so a pcall cannot
//    keep it for good); once over, yields it (slicing: to the back of the
//    run queue; watchdog: for one loop turn of I/O, then it runs first). A
//    hook left over from an earlier resume removes itself.
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
  /// must be the loop thread: time slicing when slice_ms > 0, else the
  /// watchdog if asked for, else nothing. `signal_number` 0 picks
  /// kDefaultSignalOffset. Returns null on success, else a static error
  /// message.
  const char* start(double slice_ms, bool watchdog, int signal_number);
  /// Stops the timer and drops this runtime's share of the handler (the
  /// host's previous handler comes back with the last one). Idempotent.
  void stop();
  bool is_on() const { return started_; }
  /// Time slicing rather than the watchdog.
  bool is_slicing() const { return started_ && slicing_; }
  /// The earliest deadline changed inside a resume (the hook fired what
  /// was due).
  void set_next_due(std::uint64_t next_due_ns) { next_due_ns_.store(next_due_ns, std::memory_order_relaxed); }
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
  /// Async-signal-safe: arms the hook on the running thread now, as a tick
  /// that found something due would (Runtime::interrupt_from_signal).
  void arm_now();
  /// The resume returned to the scheduler.
  void leave_resume() { current_.store(nullptr, std::memory_order_relaxed); }
  /// Code the scheduler runs outside a fiber's resume, or inside one
  /// from a hook, runs on `thread`: a report converting a value to text
  /// (Runtime::describe), the __close handlers of a hard abort
  /// (Runtime::close_threads). The hook runs there as in a resume, with
  /// `next_due_ns` as its earliest deadline, and what was running before
  /// comes back, with its resume's sequence number, with leave_report.
  struct Outer {
    lua_State* current;
    std::uint64_t next_due_ns;
    std::uint64_t seq;
  };
  Outer enter_report(lua_State* thread, std::uint64_t next_due_ns = UINT64_MAX) {
    const Outer outer{current_.load(std::memory_order_relaxed), next_due_ns_.load(std::memory_order_relaxed),
                      seq_.load(std::memory_order_relaxed)};
    enter_resume(thread, next_due_ns);
    return outer;
  }
  void leave_report(const Outer& outer) {
    next_due_ns_.store(outer.next_due_ns, std::memory_order_relaxed);
    seq_.store(outer.seq, std::memory_order_relaxed);
    current_.store(outer.current, std::memory_order_relaxed);
  }
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
  /// The watchdog's period: a busy resume hands the loop a turn of I/O
  /// (Ctrl-C, host completions) after half of it.
  static constexpr double kWatchdogPeriodMs = 20;
  /// The longest tick: how late a busy fiber can make a due deadline.
  static constexpr long long kMaxTickNs = 1'000'000;

 private:
  friend void on_preempt_signal(int, siginfo_t*, void*);
  friend void preempt_hook(lua_State* L, lua_Debug* ar);
  friend class Runtime;  // on_preempt_hook
  /// `overrun`: the expiries the signal stands for beyond the first.
  void on_tick(int overrun);
  /// Arms preempt_hook on L, setting aside the script's own hook.
  void arm(lua_State* L);
  /// Puts back the script's hook set aside on L, if any, else removes
  /// ours. Returns whether there was one.
  bool restore_script_hook(lua_State* L);
  /// Forgets the script's hook set aside on L (a hard abort drops it).
  void drop_script_hook(lua_State* L) {
    if (saved_thread_.load(std::memory_order_relaxed) == L) saved_thread_.store(nullptr, std::memory_order_relaxed);
  }

  std::atomic<lua_State*> current_{nullptr};
  std::atomic<std::uint64_t> seq_{0};
  std::atomic<std::uint64_t> next_due_ns_{UINT64_MAX};
  // Written by the signal handler, read by the hook; both on the loop thread.
  std::atomic<std::uint64_t> last_tick_seq_{0};
  std::atomic<std::uint64_t> due_seq_{0};
  std::atomic<std::uint64_t> over_seq_{0};  // the resume of that number ran out its half period
  // The script's own hook on saved_thread_, set aside while ours is armed.
  std::atomic<lua_State*> saved_thread_{nullptr};
  lua_Hook saved_hook_ = nullptr;
  int saved_mask_ = 0;
  int saved_count_ = 0;
  // The signal handler's own: ticks the current resume has lasted through,
  // and how many make half a slice.
  unsigned ticks_spanned_ = 0;
  unsigned ticks_per_half_slice_ = 1;

  bool started_ = false;
  bool slicing_ = false;
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
