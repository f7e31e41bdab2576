// A POSIX timer on the calling thread's CPU-time clock that signals that
// thread alone (preemption's tick). Linux only: SIGEV_THREAD_ID.
#pragma once

#include <ctime>

namespace lua_batteries::detail {

/// Creates the timer; each expiry sends `signal_number` to the calling
/// thread with `value` as si_value.sival_ptr. False if it cannot be made.
bool create_thread_cpu_timer(int signal_number, void* value, timer_t& timer);

}  // namespace lua_batteries::detail
