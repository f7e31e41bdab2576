#include "io/process_core.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <csignal>

namespace lua_batteries::io {
namespace {

ProcessCore& core_of(uv_handle_t* h) { return *static_cast<ProcessCore*>(h->data); }

void close_own_handles(ProcessCore& p) {
  if (p.closing) return;
  p.closing = true;
  GroupReaper::unwatch(p.child);
  uv_timer_stop(&p.timer);
  uv_close(reinterpret_cast<uv_handle_t*>(&p.timer), [](uv_handle_t* h) { core_of(h).handle_closed(); });
}

void finish(ProcessCore& p) {
  if (p.finished) return;
  p.finished = true;
  close_own_handles(p);
  p.hooks.finished(p);
}

// How long a group that got SIGKILL may take to go before it is given up.
constexpr std::uint64_t kStragglerMs = 1000;
constexpr std::uint64_t kGroupPollMs = 10;

void on_timer(uv_timer_t* timer);

// The child was reaped while being terminated: wait until its group is
// empty too, reaping what we can, SIGKILL at the deadline.
void settle_group(ProcessCore& p) {
  if (!GroupReaper::reap(p.pid)) {
    finish(p);
    return;
  }
  const std::uint64_t now = uv_now(p.timer.loop);
  if (now >= p.kill_deadline_ms) {
    if (p.killed) {
      if (p.reaper) p.reaper->track(p.pid);
      finish(p);
      return;
    }
    p.kill_now();
  }
  uv_timer_start(&p.timer, &on_timer, kGroupPollMs, 0);
}

void on_exit(ChildWatch& child, std::int64_t exit_status, int term_signal) {
  ProcessCore& p = *static_cast<ProcessCore*>(child.user_data);
  p.exited = true;
  p.exit_status = exit_status;
  p.term_signal = term_signal;
  if (p.terminating) {
    settle_group(p);
    return;
  }
  if (p.reaper) p.reaper->track(p.pid);
  finish(p);
}

// The grace ended (SIGKILL), or the next look at an exited child's group.
void on_timer(uv_timer_t* timer) {
  ProcessCore& p = core_of(reinterpret_cast<uv_handle_t*>(timer));
  if (!p.exited) {
    p.kill_now();
    return;
  }
  settle_group(p);
}

// The runtime shuts down: kill and reap now, without the loop (the
// reaper no longer watches the child).
void on_runtime_shutdown(OwnedResource& r) {
  ProcessCore& p = *static_cast<ProcessCore*>(r.user_data());
  p.hooks.shutdown(p);
  if (p.started && !p.exited) {
    p.signal_group(SIGKILL);
    p.killed = true;
    close_own_handles(p);
    int status = 0;
    while (::waitpid(p.pid, &status, 0) < 0 && errno == EINTR) {
    }
    p.exited = true;
    p.term_signal = SIGKILL;
  }
  p.finished = true;
  close_own_handles(p);
}

}  // namespace

ProcessCore::ProcessCore(uv_loop_t* loop, const Hooks& h, void* owner_object, Awaiter::InterruptFn on_interrupt)
    : owned(&on_runtime_shutdown, this), awaiter(on_interrupt, this), hooks(h), owner(owner_object) {
  uv_timer_init(loop, &timer);
  timer.data = this;
  child.on_exit = &on_exit;
  child.user_data = this;
  open_handles = 1;
}

int ProcessCore::start(const SpawnSpec& spec, int parent_fds[3]) {
  int r = UV_ENOMEM;
  if (reaper) {
    r = start_process(spec, pid, parent_fds);
  } else {
    for (int i = 0; i < 3; ++i) parent_fds[i] = -1;
  }
  if (r < 0) {
    finished = true;  // nothing to wait for
    exited = true;
    close_own_handles(*this);
    return r;
  }
  started = true;
  child.pid = pid;
  reaper->forget(pid);
  reaper->watch(child);
  return 0;
}

int ProcessCore::signal_group(int sig) {
  if (!pid) return UV_ESRCH;
  if (::kill(-pid, sig) == 0) return 0;
  if (exited) return UV_ESRCH;
  return ::kill(pid, sig) == 0 ? 0 : -errno;
}

void ProcessCore::terminate(double grace_ms) {
  if (finished || terminating) return;
  terminating = true;
  if (grace_ms <= 0) {
    kill_now();
  } else {
    signal_group(SIGTERM);
    signal_group(SIGCONT);  // a stopped child must run to see it
    const auto ms = static_cast<std::uint64_t>(grace_ms + 0.999);
    kill_deadline_ms = uv_now(timer.loop) + ms;
    if (!exited) uv_timer_start(&timer, &on_timer, ms, 0);
  }
  if (exited) settle_group(*this);
}

void ProcessCore::kill_now() {
  terminating = true;
  if (finished || killed) return;
  signal_group(SIGKILL);
  killed = true;
  kill_deadline_ms = uv_now(timer.loop) + kStragglerMs;
  uv_timer_stop(&timer);
  if (exited) settle_group(*this);
}

void ProcessCore::drop_lua_object() {
  lua_gone = true;
  if (!started && !finished) {
    finished = exited = true;
    close_own_handles(*this);
  }
  if (!finished) return;  // the owner ends it first; handle_closed frees
  if (open_handles == 0) {
    owned.release();
    hooks.destroy(*this);
  }
}

void ProcessCore::handle_closed() {
  if (--open_handles > 0) return;
  owned.release();
  if (lua_gone) hooks.destroy(*this);
}

}  // namespace lua_batteries::io
