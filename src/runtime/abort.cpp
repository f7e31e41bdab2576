// Hard abort (spec section 2): a fiber runs no more Lua code of its own,
// only the __close handlers of its pending to-be-closed variables, and the
// scopes it had open are torn down the same way first. Everything here is
// iterative, so a task under 10 000 nested scopes is torn down without
// deep C recursion.
#include <vector>

#include "runtime/gc_pause.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {

std::size_t Runtime::hard_abort(Fiber& root) {
  if (root.state == FiberState::done) return 0;
  GcPause pause(main_L_);
  // Pre-order: a fiber, then what it waits for (its open scope's body and
  // children). Torn down in reverse: innermost first, like unwinding.
  std::vector<Fiber*> order;
  std::vector<Fiber*> pending{&root};
  while (!pending.empty()) {
    Fiber* f = pending.back();
    pending.pop_back();
    if (f->state == FiberState::done) continue;
    f->abort_requested = true;
    order.push_back(f);
    if (f->wait == Wait::scope && f->awaited_scope) {
      Scope& s = *f->awaited_scope;
      s.aborting = true;
      // Children before the body: popped last, so torn down first.
      s.live.for_each([&](Task& t) { pending.push_back(&t); });
      if (s.body.state != FiberState::done) pending.push_back(&s.body);
    }
  }
  std::size_t torn_down = 0;
  for (auto it = order.rbegin(); it != order.rend(); ++it)
    if (finalize_abort(**it)) ++torn_down;
  return torn_down;
}

bool Runtime::finalize_abort(Fiber& f) {
  if (f.state == FiberState::done || f.state == FiberState::running) return false;
  // A fiber waiting for a scope goes only once the scope is empty; the
  // scope settling queues it and resume() finishes the abort.
  if (f.state == FiberState::waiting && f.wait == Wait::scope && f.awaited_scope &&
      !f.awaited_scope->is_settled())
    return false;
  if (f.state == FiberState::runnable) f.run_hook.unlink();
  if (f.awaited_scope) release_scope(*f.awaited_scope);
  end_wait(f, Interruption::aborted);
  close_threads(f);
  if (f.kind == FiberKind::task) static_cast<Task&>(f).nresults = 0;
  if (f.kind == FiberKind::main && run_) run_main_aborted();
  complete(f, Outcome::aborted);
  return true;
}

void Runtime::close_threads(Fiber& f) {
  // Lua's reset of a thread runs its own pending __close handlers but not
  // those of the coroutines it is suspended inside: reset those first,
  // innermost first. While they run, the fiber counts as running (so
  // current() and spawn see it) but cannot suspend.
  Fiber* saved = running_;
  running_ = &f;
  const FiberState saved_state = f.state;
  f.state = FiberState::running;
  while (!f.nested.empty()) {
    lua_State* co = f.nested.back().thread;
    f.nested.pop_back();
    unguard(co);
    reset_reporting_errors(f, co);
  }
  reset_reporting_errors(f, f.thread);
  lua_settop(f.thread, 0);
  f.state = saved_state;
  running_ = saved;
}

namespace {

const char kLastCloseErrorKey = 0;  // registry slot: the last error reported

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
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kLastCloseErrorKey);
  const bool seen = lua_rawequal(L, index, -1);
  lua_pop(L, 1);
  if (seen) return;
  lua_pushvalue(L, index);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kLastCloseErrorKey);
  if (!observer()) return;
  const std::string text = describe(L, index);
  if (f.task) {
    const TaskEvent e = f.task->event();
    observer()->close_error(&e, text);
  } else {
    observer()->close_error(nullptr, text);
  }
}

void Runtime::reset_reporting_errors(Fiber& f, lua_State* thread) {
  // The thread's own hook (debug.sethook) is set aside for the reset.
  lua_Hook user_hook = lua_gethook(thread);
  const int user_mask = lua_gethookmask(thread);
  const int user_count = lua_gethookcount(thread);
  lua_sethook(thread, on_close_handler_call, LUA_MASKCALL, 0);
  const int status = reset_thread(thread);
  lua_sethook(thread, user_hook, user_mask, user_count);
  if (status != LUA_OK) note_close_error(f, thread, lua_gettop(thread));
  lua_pushnil(thread);
  lua_rawsetp(thread, LUA_REGISTRYINDEX, &kLastCloseErrorKey);
  lua_settop(thread, 0);
}

std::size_t Runtime::abort_everything() {
  GcPause pause(main_L_);
  // Cleanups that run meanwhile cannot spawn into the root scope: what is
  // alive now is aborted, nothing new starts behind it.
  root_->aborting = true;
  std::vector<Fiber*> targets;
  if (run_ && run_->main && run_->main->state != FiberState::done) targets.push_back(run_->main);
  root_->live.for_each([&](Task& t) { targets.push_back(&t); });
  std::size_t torn_down = 0;
  for (Fiber* f : targets) torn_down += hard_abort(*f);
  root_->aborting = false;
  return torn_down;
}

}  // namespace lua_batteries::detail
