// Resets that run __close handlers outside a hard abort: those Lua left
// pending on a fiber's thread that ended with an error, and those of a
// coroutine the fiber's code closes. Like the handlers of a hard abort
// (abort.cpp, close_threads) they are cleanup code: they cannot suspend,
// the preemption hook watches them (it fires what is due from inside
// them), and a hard abort of their fiber does not cut them; only a stop of
// the whole run that comes after it (AbortWalk::Cleanups), or a host's
// interrupt, does (watchdog.cpp, Fiber::cleanup_cut).
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {

int Runtime::reset_failed_thread(Fiber& f) {
  int status = LUA_OK;
  run_as_cleanup(f, [&] {
    watch_cleanup(f.thread);
    status = guards_.reset_thread(f.thread);
    put_back_script_hook(f.thread);
  });
  return status;
}

int Runtime::reset_coroutine(lua_State* co) {
  // The hook watches the innermost thread running: co while it is reset
  // (nothing outside a fiber's resume).
  lua_State* outer = preemptor_.switch_to(co);
  const int status = guards_.reset_thread(co);
  preemptor_.switch_back(outer);
  put_back_script_hook(co);
  // A cut stopped this cleanup code only: the fiber's own cleanup, once
  // it is torn down, is a new one.
  if (running_ && !running_->cleaning_up) running_->cleanup_cut = false;
  return status;
}

void Runtime::put_back_script_hook(lua_State* thread) {
  // The hook armed meanwhile may still be set, with the thread's own hook
  // (debug.sethook) set aside: the thread runs no more code to find it.
  if (lua_gethook(thread) == preempt_hook) preemptor_.restore_script_hook(thread);
}

}  // namespace lua_batteries::detail
