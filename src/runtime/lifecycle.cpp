// How fibers end and scopes settle: outcomes, joiners, unobserved errors,
// with_timeout deadlines and grace windows.
#include <new>
#include <string>

#include "core/duration.hpp"
#include "core/out_of_memory.hpp"
#include "runtime/report.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {

void Runtime::forget_deadlines(Scope& s) {
  deadlines_.remove(s.deadline_entry);
  deadlines_.remove(s.grace_entry);
}

Task& Runtime::spawn(void* memory, Scope& scope, const TaskSpec& spec) {
  Task& t = *new (memory) Task(*this, scope, next_task_number_++, spec, now_ns());
  scope.add_live(t);
  ++live_tasks_;
  make_runnable(t);
  if (Observer* o = lifecycle_observer()) o->task_spawned(t.event());
  return t;
}

bool Runtime::start_scope(Scope& s, Fiber& opener) {
  if (s.kind == ScopeKind::with_timeout &&
      !allocation_succeeded([&] { deadlines_.insert(s.deadline_entry, saturating_add(now_ns(), duration_ns(s.timeout_ms))); })) {
    s.closed = true;
    s.release_token();
    release_scope(s);
    return false;
  }
  s.opened_ns = now_ns();
  if (CancelToken* linked = s.linked.get()) {
    if (linked->is_cancelled())
      s.token->cancel();
    else
      linked->add_waiter(s.link_waiter);
  }
  make_runnable(s.body);
  wait_scope(opener, s);
  if (Observer* o = lifecycle_observer()) o->scope_opened(s.event());
  return true;
}

// --- how fibers end -----------------------------------------------------------

void Runtime::finish_returned(Fiber& f, int nresults) {
  if (f.kind == FiberKind::task) {
    static_cast<Task&>(f).nresults = nresults;
  } else if (f.kind == FiberKind::body) {
    f.scope->body_nresults = nresults;
  } else {
    lua_settop(f.thread, 0);
  }
  complete(f, Outcome::returned);
}

void Runtime::finish_failed(Fiber& f) {
  // Lua has not closed the dead coroutine's pending to-be-closed variables:
  // take the traceback while the stack is there, then reset the thread,
  // which runs the __close handlers with the error (a handler's error
  // replaces it, as in Lua). The final error is left at index 1.
  // Tracebacks are for reports: the main chunk's error, and task errors an
  // observer may hear about as unobserved (never cancellations).
  // A task's traceback waits on the service thread while the reset runs
  // (whatever uses that thread meanwhile leaves it balanced).
  std::string traceback;
  bool task_traceback = false;
  if (f.kind == FiberKind::main && push_traceback(service_, f.thread)) {
    append_deadline_site(f.thread);
    allocation_succeeded([&] { traceback = lua_tostring(service_, -1); });
    lua_pop(service_, 1);
  } else if (f.kind == FiberKind::task && observer() && errors_.kind_of(f.thread, -1) != ErrorKind::cancelled &&
             errors_.kind_of(f.thread, -1) != ErrorKind::aborted) {
    task_traceback = push_traceback(service_, f.thread);
    if (task_traceback) append_deadline_site(f.thread);
  }
  reset_failed_thread(f);
  lua_settop(f.thread, 1);
  const ErrorKind kind = errors_.kind_of(f.thread, 1);
  Outcome outcome = Outcome::failed;
  if (kind == ErrorKind::cancelled) outcome = Outcome::cancelled;
  if (kind == ErrorKind::aborted) outcome = Outcome::aborted;
  if (f.kind == FiberKind::task) {
    auto& t = static_cast<Task&>(f);
    t.nresults = 1;
    if (task_traceback) {
      lua_xmove(service_, f.thread, 1);  // the reset left room: the stack holds one value
      lua_insert(f.thread, 1);
      t.has_traceback = true;
    }
  } else if (f.kind == FiberKind::main && run_) {
    run_main_failed(f, std::move(traceback));
  }
  complete(f, outcome);
}

void Runtime::finish_stray_yield(Fiber& f) {
  guards_.reset_thread(f.thread);
  lua_settop(f.thread, 0);
  lua_pushliteral(f.thread, "std.task: coroutine.yield outside a coroutine in an async_fn task");
  if (f.kind == FiberKind::task) static_cast<Task&>(f).nresults = 1;
  if (f.kind == FiberKind::main && run_) run_main_failed(f, std::string());
  complete(f, Outcome::failed);
}

void Runtime::complete(Fiber& f, Outcome outcome) {
  f.state = FiberState::done;
  f.wait = Wait::none;
  f.abort_requested = false;
  f.cleanup_cut = false;
  f.nested.release();
  // A thread the script got stays guarded: its stack holds the outcome
  // until a join or the scope's caller takes it, and the script must not
  // resume it.
  Scope& s = *f.scope;

  if (f.kind == FiberKind::main) {
    check_run_complete();
    return;
  }
  if (f.kind == FiberKind::body) {
    body_completed(s, outcome);
    return;
  }

  auto& t = static_cast<Task&>(f);
  t.outcome = outcome;
  if (var_contexts_ != LUA_NOREF) {
    // A finished task's task.var values are released. Setting a key to
    // nil never allocates.
    lua_rawgeti(service_, LUA_REGISTRYINDEX, var_contexts_);
    lua_pushnil(service_);
    lua_rawsetp(service_, -2, &t);
    lua_pop(service_, 1);
  }
  t.finished_ns = now_ns();
  Scope::remove_live(s, t);
  --live_tasks_;
  if (Observer* o = lifecycle_observer()) {
    std::string text;
    if (outcome == Outcome::failed) text = describe_error(t);
    o->task_finished(t.event(), outcome, text);
  }
  if (outcome == Outcome::returned) {
    if (t.nresults == 1) hold_result(t);
    if (t.nresults == 0) recycle_thread(t);
  }
  const bool kept = outcome == Outcome::failed && keep_first_failure(s, t);
  if (Fiber* joiner = t.joiner) {
    resume_later(*joiner);
    unpin(t);
  } else if (outcome == Outcome::failed && !kept) {
    s.unjoined_failures.push_back(t);  // stays pinned until joined or reported
    if (s.kind == ScopeKind::root) watch_unobserved(t);
  } else {
    unpin(t);
  }
  settle(s);
}

// A task that returned one value (the common case) would keep its thread
// for as long as its handle lives, to hold that value: a task spawned
// after it could not reuse the thread. The value moves to the handle's
// first user value instead, where the thread was (the handle is pinned
// while the task is live), and never allocates.
void Runtime::hold_result(Task& t) {
  lua_State* co = t.thread;
  lua_State* X = service_;
  if (!co || t.thread_exposed || lua_gettop(co) != 1 || !lua_checkstack(X, 3)) return;
  pins_.push_table(X);
  lua_rawgeti(X, -1, t.pin);
  lua_xmove(co, X, 1);
  lua_setiuservalue(X, -2, 1);
  lua_pop(X, 2);
  t.nresults = 0;
  t.result_held = true;
}

bool Runtime::keep_first_failure(Scope& s, Task& t) {
  if (!s.fail_fast || s.first_failure != FirstFailure::none || s.closed) return false;
  // The body's own error, raised first, is what the scope raises.
  if (s.body.state == FiberState::done && s.body_outcome != Outcome::returned) return false;
  if (!t.thread) {
    s.first_failure = FirstFailure::out_of_memory;
  } else {
    // The error is on top of the dead thread's stack; it goes into the
    // scope object (pinned while the scope is open), whose user value
    // slot exists: no allocation. The service thread has LUA_MINSTACK free.
    lua_State* X = service_;
    pins_.push_table(X);
    lua_rawgeti(X, -1, s.pin);
    lua_pushvalue(t.thread, -1);
    lua_xmove(t.thread, X, 1);
    lua_setiuservalue(X, -2, 4);
    lua_pop(X, 2);
    s.first_failure = FirstFailure::value;
  }
  s.token->cancel();
  return true;
}

void Runtime::on_linked_cancelled(CancelWaiter& waiter) {
  Scope& s = container_of(waiter, &Scope::link_waiter);
  if (s.token) s.token->cancel();
}

void Runtime::body_completed(Scope& s, Outcome outcome) {
  s.body_outcome = outcome;
  if (outcome == Outcome::returned) {
    settle(s);
    return;
  }
  // A failed (or cancelled) body cancels its scope. task.scope then waits
  // for the children without bound; with_timeout runs stages 1-3 from now
  // unless its deadline already did.
  s.token->cancel();
  if (s.kind == ScopeKind::with_timeout && !s.deadline_hit && !s.grace_running && !s.aborting) {
    deadlines_.remove(s.deadline_entry);
    if (!s.is_settled()) start_grace(s);
  }
  settle(s);
}

void Runtime::settle(Scope& s) {
  if (s.kind == ScopeKind::root) {
    check_run_complete();
    return;
  }
  if (s.closed || s.expiring || s.ending_in_progress || !s.is_done()) return;
  // Done: what was created in it ends now; a graceful end may take a while
  // (a process terminated and reaped), and the scope waits for it.
  if (s.resources) end_resources(s);
  if (!s.is_settled()) return;
  if (s.kind == ScopeKind::with_timeout && s.deadline_entry.is_queued() && s.deadline_entry.due_ns <= now_ns()) {
    // Everything finished, but only after the deadline (its timer had no
    // chance to fire during the work): the deadline still counts.
    deadlines_.remove(s.deadline_entry);
    on_deadline_due(s.deadline_entry);
    if (s.closed) return;
  }
  s.closed = true;
  s.release_token();
  forget_deadlines(s);
  report_unjoined(s);
  if (Observer* o = lifecycle_observer()) o->scope_closed(s.event());
  if (Fiber* caller = s.caller) resume_later(*caller);
}

void Runtime::report_unjoined(Scope& s) {
  while (Task* t = s.unjoined_failures.pop_front()) {
    report_unobserved(service_, *t);
    unpin(*t);
  }
}

void Runtime::mark_joined(Task& t) {
  t.joined = true;
  if (t.scope_hook.is_linked()) {  // on unjoined_failures: now observed
    t.scope_hook.unlink();
    unpin(t);
  }
}

void Runtime::unpin(Task& t) {
  if (t.pin == LUA_NOREF) return;
  pins_.drop(t.pin);
  t.pin = LUA_NOREF;
}

void Runtime::release_scope(Scope& s) {
  if (s.caller && s.caller->awaited_scope == &s) s.caller->awaited_scope = nullptr;
  s.caller = nullptr;
  if (s.pin == LUA_NOREF) return;
  pins_.drop(s.pin);
  s.pin = LUA_NOREF;
}

// --- with_timeout -------------------------------------------------------------

void Runtime::on_deadline_due(DeadlineEntry& entry) {
  Scope& s = container_of(entry, &Scope::deadline_entry);
  Runtime& rt = s.rt;
  s.deadline_hit = true;
  rt.note_deadline_site(s);
  if (rt.observer()) rt.observer()->deadline_hit(s.event(), s.timeout_ms);
  rt.start_grace(s);
}

void Runtime::start_grace(Scope& s) {
  // Stage 1: cancel; stage 2: grace window; stage 3: hard abort.
  s.grace_running = true;
  s.token->cancel();
  if (s.grace_ms <= 0) {
    expire_grace(s);
    return;
  }
  if (!allocation_succeeded([&] { deadlines_.insert(s.grace_entry, saturating_add(now_ns(), duration_ns(s.grace_ms))); }))
    expire_grace(s);  // no room for a timer: no grace rather than no bound
}

void Runtime::on_grace_due(DeadlineEntry& entry) {
  Scope& s = container_of(entry, &Scope::grace_entry);
  s.rt.expire_grace(s);
}

void Runtime::expire_grace(Scope& s) {
  if (s.closed) return;
  // Stage 3: nothing in the scope runs again, and cleanups cannot start
  // new work in it. The scope settles after the report, not during it.
  report_grace_expiring(&s, s.grace_ms);
  // A hard abort that took the scope already (its caller's) is tearing
  // down everything in it: the window's end is no second abort. Either
  // way, the __close handlers an earlier abort runs finish
  // (AbortWalk::Cleanups::let_finish).
  const bool torn_down_already = s.aborting;
  s.aborting = true;
  s.expiring = true;
  std::size_t aborted = 0;
  if (!torn_down_already) {
    AbortWalk walk;
    s.live.for_each([&](Task& t) { walk.add_root(t); });
    walk.add_root(s.body);
    aborted = walk.run(*this);
  }
  s.expiring = false;
  if (observer() && aborted > 0) {
    ScopeEvent e = s.event();
    observer()->grace_expired(&e, aborted);
  }
  settle(s);
}

}  // namespace lua_batteries::detail
