// Linux only. A timer that signals one thread needs SIGEV_THREAD_ID and
// the thread's kernel id in the sigevent. Newer glibc names that field
// sigev_notify_thread_id; older ones (Debian 12's 2.36) have only the
// private `_sigev_un._tid`, and no portable API targets a thread: this
// file is the one place that knows.
#include "runtime/thread_cpu_timer.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace lua_batteries::detail {

bool create_thread_cpu_timer(int signal_number, void* value, timer_t& timer) {
  struct sigevent event{};
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = signal_number;
  event.sigev_value.sival_ptr = value;
#ifdef sigev_notify_thread_id
  event.sigev_notify_thread_id = static_cast<pid_t>(syscall(SYS_gettid));
#else
  event._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
#endif
  return timer_create(CLOCK_THREAD_CPUTIME_ID, &event, &timer) == 0;
}

}  // namespace lua_batteries::detail
