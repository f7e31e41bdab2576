// The runtime's two libuv handles: an idle handle that keeps the loop
// turning while fibers are runnable, and a timer for the earliest
// deadline. Their callbacks only call back into the scheduler
// (Runtime::dispatch, Runtime::on_timer_due); they never resume a fiber.
#pragma once

#include <uv.h>

#include <cstdint>

#include "core/deadline_queue.hpp"
#include "runtime/clock.hpp"

namespace lua_batteries::detail {

class Runtime;

class LoopDriver {
 public:
  /// Initialises both handles on `loop`; `rt` receives their callbacks.
  /// May throw std::bad_alloc (before any handle exists).
  LoopDriver(uv_loop_t* loop, Runtime& rt);
  ~LoopDriver() { close(); }
  LoopDriver(const LoopDriver&) = delete;
  LoopDriver& operator=(const LoopDriver&) = delete;

  /// Runs the scheduler on the loop's next idle phase. No effect once closed.
  void start_idle() {
    if (handles_) uv_idle_start(&handles_->idle, &LoopDriver::on_idle);
  }
  /// Starts or stops the idle handle and (re)arms the timer for `first`,
  /// the earliest deadline (null: none). On virtual time the timer fires
  /// at once when nothing can run, unless `external_waits` (waits that
  /// complete from outside the loop's deadlines, such as host awaits) are
  /// pending: then it waits for the deadline's distance in real time, so a
  /// bridge gets the time a timeout promised it.
  void sync(bool has_runnable, const DeadlineEntry* first, const Clock& clock, bool external_waits);
  /// Stops and closes both handles; libuv frees them in its close
  /// callbacks. Idempotent.
  void close();
  uv_loop_t* loop() const { return loop_; }

 private:
  struct Handles {
    uv_idle_t idle;
    uv_timer_t timer;
    Runtime* rt;
    int open;
  };
  static void on_idle(uv_idle_t* idle);
  static void on_timer(uv_timer_t* timer);
  void arm(std::uint64_t delay_ms, std::uint64_t due_ns);
  void disarm();

  uv_loop_t* loop_;
  Handles* handles_;
  std::uint64_t armed_due_ = UINT64_MAX;  // the deadline the timer is armed for
};

}  // namespace lua_batteries::detail
