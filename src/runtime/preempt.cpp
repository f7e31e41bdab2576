// Preemption: the CPU-time timer, the signal handler and the count hook
// (see preempt.hpp).
#include "runtime/preempt.hpp"

#include <pthread.h>

#include <cerrno>
#include <mutex>
#include <vector>

#include "runtime/runtime.hpp"
#include "runtime/thread_cpu_timer.hpp"

namespace lua_batteries::detail {
namespace {

// The live preemptors of this thread. Only this thread changes the list
// and only its signal handler reads it, so plain stores with signal
// fences are enough.
thread_local Preemptor* t_preemptors = nullptr;

// One handler per signal number for the whole process, installed by the
// first runtime that uses it and replaced by the previous disposition
// when the last one stops.
struct InstalledHandler {
  int signal_number;
  int users;
  struct sigaction previous;
};
std::mutex g_handlers_mutex;
std::vector<InstalledHandler>* g_handlers = nullptr;  // never freed: used until exit

bool is_free_disposition(const struct sigaction& action) {
  return !(action.sa_flags & SA_SIGINFO) && (action.sa_handler == SIG_DFL || action.sa_handler == SIG_IGN);
}

// Consumes a pending instance of signal_number aimed at this thread.
void discard_pending(int signal_number) {
  sigset_t pending;
  if (sigpending(&pending) != 0 || sigismember(&pending, signal_number) != 1) return;
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, signal_number);
  sigset_t saved;
  pthread_sigmask(SIG_BLOCK, &only, &saved);
  const struct timespec no_wait{};
  while (sigtimedwait(&only, nullptr, &no_wait) == signal_number) {
  }
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

}  // namespace

void on_preempt_signal(int, siginfo_t* info, void*) {
  const int saved_errno = errno;
  // The timer names its preemptor; one that stopped meanwhile is no
  // longer on the list, and the signal is ignored.
  void* target = info ? info->si_value.sival_ptr : nullptr;
  for (Preemptor* p = t_preemptors; p; p = p->next_on_thread_)
    if (p == target) p->on_tick(info->si_code == SI_TIMER && info->si_overrun > 0 ? info->si_overrun : 0);
  errno = saved_errno;
}

void Preemptor::on_tick(int overrun) {
  lua_State* L = current_.load(std::memory_order_acquire);
  if (off_thread_.load(std::memory_order_relaxed)) return;
  const std::uint64_t seq = seq_.load(std::memory_order_relaxed);
  if (!L) {
    last_tick_seq_.store(seq, std::memory_order_relaxed);
    return;
  }
  if (seq != last_tick_seq_.load(std::memory_order_relaxed)) {
    // A new resume since the last tick: its ticks count from here.
    last_tick_seq_.store(seq, std::memory_order_relaxed);
    ticks_spanned_ = 0;
  } else {
    // A timer that expired again while its signal was pending sends one
    // signal and counts the rest as overruns (the kernel checks CPU-time
    // timers at its own ticks, and coalesces more under load): each is a
    // tick of CPU this resume used.
    ticks_spanned_ += 1 + static_cast<unsigned>(overrun);
  }
  if (ticks_spanned_ < ticks_per_half_slice_) {
    // Within its period, but a deadline that passed while it ran must not
    // wait for the period to end.
    const std::uint64_t due = next_due_ns_.load(std::memory_order_relaxed);
    if (due == UINT64_MAX) return;
    struct timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);  // uv_hrtime's clock; async-signal-safe
    if (static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(now.tv_nsec) < due) return;
  } else {
    over_seq_.store(seq, std::memory_order_relaxed);
  }
  due_seq_.store(seq, std::memory_order_relaxed);
  arm(L);
}

void Preemptor::arm_now() {
  lua_State* L = current_.load(std::memory_order_acquire);
  if (!L || off_thread_.load(std::memory_order_relaxed)) return;
  due_seq_.store(seq_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  arm(L);
}

void Preemptor::arm(lua_State* L) {
  const lua_Hook hook = lua_gethook(L);
  if (hook == preempt_hook) return;  // armed already
  if (hook != nullptr) {
    // The script's own hook (debug.sethook): set aside while ours runs,
    // or it would keep deadlines, hard aborts and Ctrl-C away for good.
    saved_hook_ = hook;
    saved_mask_ = lua_gethookmask(L);
    saved_count_ = lua_gethookcount(L);
    saved_thread_.store(L, std::memory_order_relaxed);
  }
  lua_sethook(L, preempt_hook, LUA_MASKCOUNT, 1);
}

bool Preemptor::restore_script_hook(lua_State* L) {
  if (saved_thread_.load(std::memory_order_relaxed) != L) {
    lua_sethook(L, nullptr, 0, 0);
    return false;
  }
  saved_thread_.store(nullptr, std::memory_order_relaxed);
  lua_sethook(L, saved_hook_, saved_mask_, saved_count_);
  return true;
}

void preempt_hook(lua_State* L, lua_Debug* ar) {
  Runtime* rt = Runtime::from(L);
  if (!rt) {
    lua_sethook(L, nullptr, 0, 0);
    return;
  }
  Preemptor& p = rt->preemptor();
  const std::uint64_t seq = p.seq_.load(std::memory_order_relaxed);
  if (p.due_seq_.load(std::memory_order_relaxed) != seq || p.current_.load(std::memory_order_relaxed) != L) {
    // Armed during an earlier resume, or on a thread that is no longer
    // the innermost one running: nothing to do here.
    p.restore_script_hook(L);
    return;
  }
  if (ar->event == LUA_HOOKRET) {
    rt->on_return_after_abort(L);
    return;
  }
  rt->on_preempt_hook(L, p.over_seq_.load(std::memory_order_relaxed) == seq);
}

const char* Preemptor::start(double slice_ms, bool watchdog, int signal_number) {
  if (started_) return nullptr;
  if (!(slice_ms >= 0 && slice_ms <= 1e9)) return "std.task: Config::slice_ms must be a number of ms from 0 to 1e9";
  if (slice_ms == 0 && !watchdog) return nullptr;
  slicing_ = slice_ms > 0;
  if (!slicing_) slice_ms = kWatchdogPeriodMs;
  if (signal_number == 0) signal_number = SIGRTMIN + kDefaultSignalOffset;
  if (signal_number < SIGRTMIN || signal_number > SIGRTMAX)
    return "std.task: Config::preempt_signal must be 0 or a real-time signal (SIGRTMIN..SIGRTMAX)";

  {
    std::lock_guard<std::mutex> lock(g_handlers_mutex);
    if (!g_handlers) g_handlers = new std::vector<InstalledHandler>;
    InstalledHandler* entry = nullptr;
    for (InstalledHandler& h : *g_handlers)
      if (h.signal_number == signal_number) entry = &h;
    if (entry) {
      ++entry->users;
    } else {
      struct sigaction previous{};
      sigaction(signal_number, nullptr, &previous);
      if (!is_free_disposition(previous))
        return "std.task: the preemption signal already has a handler; choose another with Config::preempt_signal";
      struct sigaction action{};
      action.sa_sigaction = &on_preempt_signal;
      action.sa_flags = SA_SIGINFO | SA_RESTART;
      sigemptyset(&action.sa_mask);
      if (sigaction(signal_number, &action, nullptr) != 0) return "std.task: cannot install the preemption signal handler";
      g_handlers->push_back(InstalledHandler{signal_number, 1, previous});
    }
  }
  signal_ = signal_number;

  // The timer counts this thread's CPU time and signals this thread only.
  list_head_ = &t_preemptors;
  owner_ = pthread_self();
  started_ = true;
  if (!create_thread_cpu_timer(signal_number, this, timer_)) {
    stop();  // drops the handler share
    return "std.task: cannot create the preemption timer";
  }
  has_timer_ = true;
  next_on_thread_ = t_preemptors;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  t_preemptors = this;

  // A resume is over once it has lasted through half a period of ticks
  // (after between half a period and half a period plus a tick of CPU
  // time); the hook runs then, or at the first tick after a deadline
  // passed.
  const auto half_slice_ns = static_cast<long long>(slice_ms * 1e6 / 2);
  const long long tick_ns = half_slice_ns < kMaxTickNs ? half_slice_ns : kMaxTickNs;
  ticks_per_half_slice_ = tick_ns > 0 ? static_cast<unsigned>((half_slice_ns + tick_ns / 2) / tick_ns) : 1;
  struct itimerspec spec{};
  spec.it_interval.tv_sec = static_cast<time_t>(tick_ns / 1'000'000'000);
  spec.it_interval.tv_nsec = static_cast<long>(tick_ns % 1'000'000'000);
  if (spec.it_interval.tv_sec == 0 && spec.it_interval.tv_nsec == 0) spec.it_interval.tv_nsec = 1;
  spec.it_value = spec.it_interval;
  timer_settime(timer_, 0, &spec, nullptr);
  return nullptr;
}

void Preemptor::stop() {
  if (!started_) return;
  started_ = false;
  if (has_timer_) timer_delete(timer_);
  has_timer_ = false;
  // Off the loop thread's list: a tick still pending for this preemptor
  // finds nothing to act on.
  for (Preemptor** link = list_head_; *link; link = &(*link)->next_on_thread_) {
    if (*link == this) {
      *link = next_on_thread_;
      std::atomic_signal_fence(std::memory_order_seq_cst);
      break;
    }
  }
  next_on_thread_ = nullptr;

  std::lock_guard<std::mutex> lock(g_handlers_mutex);
  for (auto it = g_handlers->begin(); it != g_handlers->end(); ++it) {
    if (it->signal_number != signal_) continue;
    if (--it->users == 0) {
      // A tick still pending would meet the previous disposition (for a
      // real-time signal by default: terminate): take it first.
      discard_pending(signal_);
      sigaction(signal_, &it->previous, nullptr);
      g_handlers->erase(it);
    }
    break;
  }
}

}  // namespace lua_batteries::detail
