// What the preemption hook does inside a busy fiber, and how the scheduler
// keeps the watchdog's promise (task.hpp, Config::slice_ms): while a busy
// fiber is paused in the middle of its code, no other fiber's Lua code
// runs, not even the __close handlers of a hard abort that does not
// concern it.
#include "runtime/report.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {

void Runtime::on_preempt_hook(lua_State* L, bool over) {
  Preemptor& p = preemptor_;
  if (is_describing()) {
    // A report's conversion to text (Runtime::describe) runs, not a fiber:
    // its budget hook takes over again, whatever hook the script set.
    p.drop_script_hook(L);
    rearm_describe_budget(L);
    return;
  }
  Fiber* busy = running_;
  if (!busy) {
    p.restore_script_hook(L);
    return;
  }
  // Cleanup code runs: the __close handlers of a hard abort or of a task
  // that failed (cleaning_up), or those of a coroutine its code closes
  // (coroutine.close, a wrap that failed), and whatever they call: resets
  // are synchronous, so while one is under way all code runs inside it.
  // It cannot yield, and a hard abort that comes meanwhile does not stop
  // it: only cleanup_cut does (AbortWalk::Cleanups).
  const bool in_cleanup = busy->cleaning_up || guards_.is_closing_any();
  // A signal handler asked to stop what runs (interrupt_from_signal): the
  // busy fiber is hard-aborted as a due hard abort would be; cleanup code
  // is cut.
  if (signal_abort_.exchange(false, std::memory_order_relaxed)) {
    busy->abort_requested = true;
    if (in_cleanup) busy->cleanup_cut = true;
  }
  if (Fiber* f = suspendable_fiber(L)) {
    // The scheduler fires what is due and tears the fiber down if a hard
    // abort concerns it; otherwise it goes to the back of the run queue
    // (slicing) or runs again before any other fiber (the watchdog:
    // continue_preempted). A hard abort drops the script's own hook, as
    // lua.c drops it on SIGINT.
    p.due_seq_.store(0, std::memory_order_relaxed);
    if (busy->abort_requested) p.drop_script_hook(L);
    p.restore_script_hook(L);
    f->preempted = true;
    f->suspend_pending = true;
    lua_yield(L, 0);  // inside a hook it returns; Lua yields once the hook does
    return;
  }
  // Lua cannot yield here (a sort comparator, a gsub callback, a
  // metamethod or finalizer called from C): what is due fires from here,
  // with no other fiber's code run meanwhile (defer_abort).
  fire_due_inside(*busy);
  if (in_cleanup ? busy->cleanup_cut : busy->abort_requested) {
    // What fired may have run code of its own (reports, other fibers'
    // cleanups) under other sequence numbers: the hook is this resume's.
    p.due_seq_.store(p.seq_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    // Lua can raise where it cannot yield: the abort unwinds through the
    // C calls. The hook stays armed, so that a pcall on the way cannot
    // keep the code alive: it raises again every kRetryInstructions where
    // Lua cannot yield, and once a call returns to where Lua can (the
    // pcall), the code yields at the next instruction
    // (on_return_after_abort) and the scheduler tears it down.
    p.drop_script_hook(L);
    lua_sethook(L, preempt_hook, LUA_MASKCOUNT | LUA_MASKRET, Preemptor::kRetryInstructions);
    errors_.push(L, ErrorKind::aborted);
    lua_error(L);
  }
  // The slice ran out: try again once the C call has returned. Cleanup
  // code never yields, so it has nothing to retry: the next tick fires
  // what is due. Re-arming there would also keep for good the hook that
  // was set aside, which for cleanup is the runtime's own
  // (on_close_handler_return: without it, the task's code would go on
  // after the handler let finish).
  if (p.is_slicing() && over && !in_cleanup) {
    lua_sethook(L, preempt_hook, LUA_MASKCOUNT, Preemptor::kRetryInstructions);
    return;
  }
  p.due_seq_.store(0, std::memory_order_relaxed);
  p.restore_script_hook(L);
}

void Runtime::on_return_after_abort(lua_State* L) {
  // Only a count event can yield: arm one for the next instruction.
  if (running_ && running_->abort_requested && suspendable_fiber(L)) lua_sethook(L, preempt_hook, LUA_MASKCOUNT, 1);
}

void Runtime::fire_due_inside(Fiber& busy) {
  // The virtual clock never passes a deadline while code runs.
  if (clock_.is_virtual()) return;
  Fiber* saved = watchdog_fiber_;
  watchdog_fiber_ = &busy;
  fire_due(uv_hrtime());
  watchdog_fiber_ = saved;
  DeadlineEntry* next = deadlines_.top();
  preemptor_.set_next_due(next ? next->due_ns : UINT64_MAX);
}

void Runtime::continue_preempted(Fiber& f) {
  if (preemptor_.is_slicing()) {
    make_runnable(f);
    return;
  }
  // The watchdog's turn of I/O: f runs again before any other fiber.
  f.state = FiberState::runnable;
  due_queue_.push_front(f);
  watchdog_fiber_ = &f;
}

bool Runtime::defer_abort(Fiber& f) {
  Fiber* busy = watchdog_fiber_;
  if (!busy) return false;
  if (&f == busy) {
    if (f.state != FiberState::running) watchdog_fiber_ = nullptr;  // torn down now
    return false;
  }
  // An abort that takes the busy fiber too ends its code: nothing is
  // left to protect.
  if (busy->abort_requested) return false;
  if (f.state == FiberState::runnable) return true;  // resume() tears it down
  if (f.state == FiberState::waiting && f.wait != Wait::scope) {
    // Queued with its wait intact: resume() tears it down (finalize_abort
    // ends the wait) once the busy fiber has suspended.
    make_runnable(f);
    return true;
  }
  return false;
}

}  // namespace lua_batteries::detail
