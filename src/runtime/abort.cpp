// Hard abort (spec section 2): a fiber runs no more Lua code of its own,
// only the __close handlers of its pending to-be-closed variables, and the
// scopes it had open are torn down the same way first. Everything here is
// iterative, so a task under 10 000 nested scopes is torn down without
// deep C recursion.

#include <cstring>

#include "runtime/gc_pause.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {

std::size_t Runtime::hard_abort(Fiber& root) {
  AbortWalk walk;
  walk.add_root(root);
  return walk.run(*this);
}

void Runtime::AbortWalk::add_root(Fiber& f) {
  if (f.state == FiberState::done || f.in_abort_walk) return;
  f.in_abort_walk = true;
  f.abort_next = roots_;
  roots_ = &f;
}

std::size_t Runtime::AbortWalk::run(Runtime& rt) {
  if (!roots_) return 0;
  GcPause pause(rt.main_L_);
  // Pre-order from a stack: a fiber, then what it waits for (its open
  // scope's body and children). Each visited fiber is pushed onto `order`,
  // so that list runs innermost first, like unwinding. The roots are
  // stacked in reverse, so the first root added is visited last and torn
  // down first.
  Fiber* pending = roots_;
  roots_ = nullptr;
  Fiber* order = nullptr;
  auto push_pending = [&pending](Fiber& f) {
    if (f.state == FiberState::done || f.in_abort_walk) return;
    f.in_abort_walk = true;
    f.abort_next = pending;
    pending = &f;
  };
  while (pending) {
    Fiber* f = pending;
    pending = f->abort_next;
    if (f->state == FiberState::done) {
      f->in_abort_walk = false;
      continue;
    }
    // Cleanup code it runs (cleaning_up, or a reset its running code asked
    // for) is cut when the whole run stops, unless this is the abort that
    // came first: code that had started when it came finishes.
    if (cleanups_ == Cleanups::cut && f->abort_requested &&
        (f->cleaning_up || (f->state == FiberState::running && rt.guards_.is_closing_any())))
      f->cleanup_cut = true;
    f->abort_requested = true;
    f->abort_next = order;
    order = f;
    if (f->wait == Wait::scope && f->awaited_scope) {
      Scope& s = *f->awaited_scope;
      s.aborting = true;
      // Children before the body: visited last, so torn down first.
      s.live.for_each([&](Task& t) { push_pending(t); });
      if (s.body.state != FiberState::done) push_pending(s.body);
    }
  }
  std::size_t torn_down = 0;
  while (Fiber* f = order) {
    order = f->abort_next;
    f->abort_next = nullptr;
    f->in_abort_walk = false;
    if (rt.finalize_abort(*f)) ++torn_down;
  }
  return torn_down;
}

bool Runtime::finalize_abort(Fiber& f) {
  if (f.state == FiberState::done || f.state == FiberState::running || defer_abort(f)) return false;
  // A fiber waiting for a scope goes only once the scope is empty; the
  // scope settling queues it and resume() finishes the abort.
  if (f.state == FiberState::waiting && f.wait == Wait::scope && f.awaited_scope &&
      !f.awaited_scope->is_settled())
    return false;
  if (f.state == FiberState::runnable) f.run_hook.unlink();
  if (f.wait == Wait::scope && f.awaited_scope) release_scope(*f.awaited_scope);
  // Whatever it waited for, the wait ends here: a __close handler it was
  // in finishes, its wait raising `task aborted` (close_threads).
  end_wait(f, Interruption::aborted);
  close_threads(f);
  if (f.kind == FiberKind::task) static_cast<Task&>(f).nresults = 0;
  if (f.kind == FiberKind::main && run_) run_main_aborted();
  complete(f, Outcome::aborted);
  return true;
}

void Runtime::close_threads(Fiber& f) {
  // A __close handler that had started finishes first. Then Lua's reset
  // of a thread runs its own pending __close handlers but not those of the
  // coroutines it is suspended inside: reset those first, innermost first.
  // They are bounded as busy code is: the preemption hook runs on the
  // thread being reset, and the next stop of the whole run (a second
  // Ctrl-C, the shutdown's grace expiry) cuts them. Another abort that
  // reaches f meanwhile does not (AbortWalk::Cleanups).
  run_as_cleanup(f, [&] {
    if (f.thread) {
      watch_cleanup(f.thread);
      finish_running_close_handler(f);
    }
    while (!f.nested.empty()) {
      lua_State* co = f.nested.back().thread;
      f.nested.pop_back();
      guards_.unpark(co);
      watch_cleanup(co);
      reset_reporting_errors(f, co);
    }
    if (f.thread) {  // a task that never ran has none
      watch_cleanup(f.thread);
      reset_reporting_errors(f, f.thread);
      lua_settop(f.thread, 0);
    }
  });
}

void Runtime::watch_cleanup(lua_State* thread) {
  // The virtual clock never passes a deadline while code runs.
  const DeadlineEntry* next = preemptor_.is_on() && !clock_.is_virtual() ? deadlines_.top() : nullptr;
  preemptor_.enter_resume(thread, next ? next->due_ns : UINT64_MAX);
}

namespace {

// The number of frames on a thread's stack.
int stack_depth(lua_State* L) {
  lua_Debug ar;
  int depth = 0;
  while (lua_getstack(L, depth, &ar)) ++depth;
  return depth;
}

// The depth (frames from the bottom, 1 for the outermost) of the
// outermost __close handler running on a suspended thread, or 0.
int running_close_handler_depth(lua_State* co) {
  const int depth = stack_depth(co);
  lua_Debug ar;
  for (int level = depth - 1; level >= 0; --level) {
    if (!lua_getstack(co, level, &ar) || !lua_getinfo(co, "n", &ar)) continue;
    if (ar.namewhat && std::strcmp(ar.namewhat, "metamethod") == 0 && ar.name && std::strcmp(ar.name, "close") == 0)
      return depth - level;
  }
  return 0;
}

// Count hook once the __close handler let finish has returned: the
// fiber's own code goes no further. Other handlers the same exit closes
// (pending ones) run first; at the first instruction outside every
// handler the fiber yields back to finish_running_close_handler, suspended
// as if the handler had never run, and the reset runs the rest. Where it
// cannot yield, the abort is raised instead.
void after_close_handler(lua_State* L, lua_Debug*) {
  Runtime* rt = Runtime::from(L);
  Fiber* f = rt ? rt->running() : nullptr;
  if (!f || running_close_handler_depth(L) != 0) return;
  lua_sethook(L, nullptr, 0, 0);
  if (lua_isyieldable(L)) {
    f->suspend_pending = true;  // a coroutine the fiber is inside passes the yield on
    lua_yield(L, 0);  // inside a hook it returns; Lua yields once the hook does
    return;
  }
  rt->errors().push(L, ErrorKind::aborted);
  lua_error(L);
}

// Return hook while a __close handler that had started finishes: once the
// handler itself returns, after_close_handler takes over.
void on_close_handler_return(lua_State* L, lua_Debug*) {
  Runtime* rt = Runtime::from(L);
  if (!rt || L != rt->finishing_close_thread() || stack_depth(L) != rt->finishing_close_depth()) return;
  lua_sethook(L, after_close_handler, LUA_MASKCOUNT, 1);
}

// Call hook set on a thread while an abort resets it. Lua passes each
// __close handler the error of the handler before it (nil until one fails)
// and keeps only the last: noting that argument as each top-level handler
// starts reports every error, not just the final one.
void on_close_handler_call(lua_State* L, lua_Debug* ar) {
  lua_Debug caller;
  if (lua_getstack(L, 1, &caller)) return;  // a call made inside a handler
  Runtime* rt = Runtime::from(L);
  if (!rt || !rt->running() || !lua_getlocal(L, ar, 2)) return;
  rt->note_close_error(*rt->running(), L, lua_gettop(L));
  lua_pop(L, 1);
}

}  // namespace

void Runtime::note_close_error(Fiber& f, lua_State* L, int index) {
  if (lua_isnil(L, index)) return;
  // Runs where nothing may raise (a hook, the loop): the registry slot
  // exists already, so these calls cannot allocate.
  lua_rawgeti(L, LUA_REGISTRYINDEX, last_close_error_);
  const bool seen = lua_rawequal(L, index, -1);
  lua_pop(L, 1);
  if (seen) return;
  lua_pushvalue(L, index);
  lua_rawseti(L, LUA_REGISTRYINDEX, last_close_error_);
  if (!observer()) return;
  const std::string text = describe(L, index);
  if (f.task) {
    const TaskEvent e = f.task->event();
    observer()->close_error(&e, text);
  } else {
    observer()->close_error(nullptr, text);
  }
}

void Runtime::finish_running_close_handler(Fiber& f) {
  // A handler that had started (suspended in it by time slicing, or in a
  // wait of its own, perhaps inside a coroutine it resumed) finishes
  // before the threads are reset, as the pending ones will: the fiber is
  // resumed, its wait raising `task aborted` (the wait ended: finalize_abort);
  // the handler cannot suspend any more (a wait raises), and once it
  // returns the fiber goes no further (after_close_handler). The handler
  // is the outermost one running on the fiber's threads: f.thread, then
  // the coroutines it is inside, outermost first.
  lua_State* thread = f.thread;
  if (lua_status(thread) != LUA_YIELD) return;
  lua_State* at = thread;
  int depth = running_close_handler_depth(thread);
  for (std::size_t i = 0; depth == 0 && i < f.nested.size(); ++i) {
    at = f.nested[i].thread;
    depth = running_close_handler_depth(at);
  }
  if (depth == 0) return;
  const lua_Hook user_hook = lua_gethook(at);
  const int user_mask = lua_gethookmask(at);
  const int user_count = lua_gethookcount(at);
  lua_State* const saved_thread = finishing_close_thread_;
  const int saved_depth = finishing_close_depth_;
  finishing_close_thread_ = at;
  finishing_close_depth_ = depth;
  lua_sethook(at, on_close_handler_return, LUA_MASKRET, 0);
  // What it raised is not a handler error to report (nor is the abort
  // that may cut it): the last reported is the abort.
  errors_.push(thread, ErrorKind::aborted);
  lua_rawseti(thread, LUA_REGISTRYINDEX, last_close_error_);
  const int status = guards_.resume_closing(thread, service_);
  f.suspend_pending = false;
  finishing_close_thread_ = saved_thread;
  finishing_close_depth_ = saved_depth;
  lua_sethook(at, user_hook, user_mask, user_count);
  preemptor_.drop_script_hook(at);
  if (status != LUA_OK && status != LUA_YIELD) note_close_error(f, thread, lua_gettop(thread));
}

void Runtime::reset_reporting_errors(Fiber& f, lua_State* thread) {
  // The thread's own hook (debug.sethook) is set aside for the reset.
  lua_Hook user_hook = lua_gethook(thread);
  const int user_mask = lua_gethookmask(thread);
  const int user_count = lua_gethookcount(thread);
  lua_sethook(thread, on_close_handler_call, LUA_MASKCALL, 0);
  const int status = guards_.reset_thread(thread);
  lua_sethook(thread, user_hook, user_mask, user_count);
  preemptor_.drop_script_hook(thread);  // what the preemption hook set aside meanwhile is ours
  if (status != LUA_OK) note_close_error(f, thread, lua_gettop(thread));
  lua_pushlightuserdata(thread, this);  // none reported yet
  lua_rawseti(thread, LUA_REGISTRYINDEX, last_close_error_);
  lua_settop(thread, 0);
}

std::size_t Runtime::abort_everything() {
  // Cleanups that run meanwhile cannot spawn into the root scope: what is
  // alive now is aborted, nothing new starts behind it.
  root_->aborting = true;
  AbortWalk walk(AbortWalk::Cleanups::cut);
  if (run_ && run_->main && run_->main->state != FiberState::done) walk.add_root(*run_->main);
  root_->live.for_each([&](Task& t) { walk.add_root(t); });
  const std::size_t torn_down = walk.run(*this);
  root_->aborting = false;
  return torn_down;
}

}  // namespace lua_batteries::detail
