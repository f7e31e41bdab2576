// Run events (Observer::wants_run_events): what the scheduler tells an
// observer around each resume, read from the fiber's own records. Only
// called when an observer asked for them, so the scheduler pays one branch
// per resume otherwise.
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

RunEvent run_event(const Fiber& f) {
  RunEvent e;
  if (f.task) e.task = f.task->event();
  if (f.kind == FiberKind::body) e.body_of = f.scope->number;
  return e;
}

double ms_since(std::uint64_t origin_ns, std::uint64_t ns) {
  return ns >= origin_ns ? static_cast<double>(ns - origin_ns) / 1e6 : 0.0;
}

// What f waits for after a resume that ended in `status`.
WaitEvent wait_event(const Runtime& rt, const Fiber& f, int status) {
  WaitEvent w;
  if (status != LUA_YIELD || !f.suspend_pending || f.abort_requested) return w;  // finished (or about to)
  if (f.preempted) {
    w.kind = WaitEvent::Kind::preempted;
    return w;
  }
  switch (f.wait) {
    case Wait::none:
    case Wait::turn:
      w.kind = WaitEvent::Kind::turn;
      return w;
    case Wait::sleep:
      w.kind = WaitEvent::Kind::sleep;
      w.what = "sleep";
      if (f.sleep_entry.is_queued()) w.until_ms = ms_since(rt.clock().start_ns(), f.sleep_entry.due_ns);
      return w;
    case Wait::join:
      w.kind = WaitEvent::Kind::join;
      w.what = "join";
      if (f.join_target) w.target = f.join_target->number;
      return w;
    case Wait::scope:
      w.kind = WaitEvent::Kind::scope;
      w.what = "scope";
      if (f.awaited_scope) w.target = f.awaited_scope->number;
      return w;
    case Wait::await:
      w.kind = WaitEvent::Kind::bridge;
      w.what = f.await_call.what ? f.await_call.what : "bridge";
      if (const Awaiter* a = f.await_call.awaiter) w.detail = a->detail();
      return w;
    case Wait::site:
      w.kind = WaitEvent::Kind::site;
      w.what = f.site_wait.site ? f.site_wait.site->what : "a wait site";
      return w;
  }
  return w;
}

}  // namespace

void Runtime::report_resumed(const Fiber& f) { run_observer_->fiber_resumed(run_event(f)); }

void Runtime::report_suspended(const Fiber& f, int status) {
  run_observer_->fiber_suspended(run_event(f), wait_event(*this, f, status));
}

void Runtime::report_cancelled(const Fiber& f) { run_observer_->fiber_cancelled(run_event(f)); }

}  // namespace lua_batteries::detail
