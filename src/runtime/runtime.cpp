// Scheduler core: set-up, the run queue, waits and wake-ups, dispatch.
#include "runtime/runtime.hpp"

#include "runtime/report.hpp"

namespace lua_batteries::detail {
namespace {

// How long one dispatch may keep resuming fibers before it lets libuv poll
// for I/O. While a deadline is pending the clock is read after every
// resume, so timers stay punctual; with none, reading it every few resumes
// is enough for the budget (a clock read costs about as much as a resume).
constexpr std::uint64_t kDispatchBudgetNs = 1'000'000;
constexpr unsigned kResumesPerBudgetCheck = 16;

const char kRuntimeKey = 0;  // address is the registry key of the runtime

}  // namespace

Runtime::Runtime(lua_State* main, uv_loop_t* loop, const Config& config)
    : main_L_(main),
      config_(config),
      lifecycle_observer_(config.observer && config.observer->wants_lifecycle_events() ? config.observer : nullptr),
      run_observer_(config.observer && config.observer->wants_run_events() ? config.observer : nullptr),
      clock_(config.virtual_time),
      loop_(loop, *this),
      pins_(main),
      root_(std::make_unique<Scope>(*this)),
      shutdown_grace_entry_(&Runtime::on_shutdown_grace_due) {}

Runtime::~Runtime() {
  close();
  // Objects made during lua_close got no finalizer (HeldToken).
  while (HeldToken* h = held_tokens_.pop_front()) h->token.reset();
}

void Runtime::open(lua_State* L, int index) {
  lua_pushvalue(L, index);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kRuntimeKey);
  service_ = lua_newthread(L);
  luaL_ref(L, LUA_REGISTRYINDEX);  // the service thread, for the state's lifetime
  lua_pushlightuserdata(L, this);  // no __close error reported yet
  last_close_error_ = luaL_ref(L, LUA_REGISTRYINDEX);
  threads_.create(L);
  pins_.create(L);
  guards_.create(L);
  errors_.create(L);
  create_unobserved_table(L);
}

namespace {
// The fiber this OS thread is resuming, and its runtime: Runtime::from
// answers for the fiber's Lua thread without the registry lookup (every
// await and bridge call asks).
thread_local lua_State* t_resumed_thread = nullptr;
thread_local Runtime* t_resumed_runtime = nullptr;
}  // namespace

Runtime* Runtime::from(lua_State* L) {
  if (L == t_resumed_thread) return t_resumed_runtime;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kRuntimeKey);
  auto* rt = static_cast<Runtime*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return rt;
}

bool Runtime::start_report_watchdog(lua_State* from, int index) {
  // Only a value with a metatable can run Lua code as it is converted (a
  // __tostring); lua_getmetatable allocates nothing, so this never raises.
  if (preemptor_.is_on() || !lua_checkstack(from, 1) || !lua_getmetatable(from, index)) return false;
  lua_pop(from, 1);
  // Without the signal (a host handler holds it) the budget hook alone
  // bounds the conversion.
  return preemptor_.start(0, true, config_.preempt_signal) == nullptr;
}

std::string Runtime::describe(lua_State* from, int index) { return describe_on_thread(service_, from, index); }

std::string Runtime::describe_on_thread(lua_State* L, lua_State* from, int index) {
  // The watchdog's ticks put the conversion's budget hook back should the
  // script's __tostring replace it (watchdog.cpp); with preemption off, a
  // watchdog of its own runs for the conversion.
  const bool own_watchdog = start_report_watchdog(from, index);
  const Preemptor::Outer outer = preemptor_.enter_report(L);
  std::string text = describe_value(L, from, index);
  preemptor_.leave_report(outer);
  if (own_watchdog) preemptor_.stop();
  return text;
}

std::string Runtime::describe_on(lua_State* L, const Task& t) {
  if (!t.thread) return Task::kErrorWithoutThread;
  return describe_on_thread(L, t.thread, -1);
}

std::string Runtime::describe_error(const Task& t) {
  if (!t.thread) return Task::kErrorWithoutThread;
  return describe(t.thread, -1);
}

// --- suspension and waits -------------------------------------------------

void Runtime::wait_sleep(Fiber& f, std::uint64_t due_ns) {
  deadlines_.insert(f.sleep_entry, due_ns);
  f.wait = Wait::sleep;
  f.token()->add_waiter(f.cancel_waiter);
}

void Runtime::wait_join(Fiber& f, Task& target) {
  f.wait = Wait::join;
  f.join_target = &target;
  target.joiner = &f;
  f.token()->add_waiter(f.cancel_waiter);
}

void Runtime::end_join(Fiber& f, Task& t) {
  f.join_target = nullptr;
  // A cancel ended this wait and may have let another fiber join since:
  // that join is not ours to clear.
  if (t.joiner == &f) t.joiner = nullptr;
}

void Runtime::wait_scope(Fiber& f, Scope& scope) {
  // Not cancel-aware itself: cancellation reaches the scope's body and
  // children through the token tree, and the scope settles.
  f.wait = Wait::scope;
  f.awaited_scope = &scope;
  scope.caller = &f;
}

void Runtime::wait_await(Fiber& f, Awaiter& awaiter) {
  f.wait = Wait::await;
  f.await_call.awaiter = &awaiter;
  awaiter.fiber_ = &f;
  ++external_waits_;
  f.token()->add_waiter(f.cancel_waiter);
}

void Runtime::end_wait(Fiber& f, Interruption why) {
  deadlines_.remove(f.sleep_entry);
  f.cancel_waiter.unregister();
  switch (f.wait) {
    case Wait::join:
      if (Task* target = f.join_target) end_join(f, *target);
      break;
    case Wait::await:
      if (Awaiter* awaiter = f.await_call.awaiter) {
        f.await_call.awaiter = nullptr;
        --external_waits_;
        f.await_end = Fiber::AwaitEnd::interrupted;
        awaiter->fiber_ = nullptr;
        if (awaiter->on_interrupt_) awaiter->on_interrupt_(*awaiter, why);
      }
      break;
    case Wait::site:
      if (WaitSite* site = f.site_wait.site) {
        finish_wait(f);
        site->interrupt(*site, f, why);
      }
      break;
    default:
      break;
  }
  f.wait = Wait::none;
}

void Runtime::wake(Fiber& f) {
  if (f.state != FiberState::waiting) return;
  end_wait(f, Interruption::cancelled);
  make_runnable(f);
}

void Runtime::resume_later(Fiber& f) {
  if (f.state != FiberState::waiting) return;
  f.cancel_waiter.unregister();
  if (f.sleep_entry.is_queued()) deadlines_.remove(f.sleep_entry);
  make_runnable(f);
}

void Runtime::make_runnable(Fiber& f) {
  f.state = FiberState::runnable;
  run_queue_.push_back(f);
  if (!dispatching_ && !closed_) loop_.start_idle();
}

void Runtime::make_due_runnable(Fiber& f) {
  f.state = FiberState::runnable;
  due_queue_.push_back(f);
  if (!dispatching_ && !closed_) loop_.start_idle();
}

void Runtime::defer_cancel(Fiber& f) {
  f.cancel_waiter.unregister();
  Awaiter& awaiter = *f.await_call.awaiter;
  awaiter.cancel_requested_ = true;
  notify_interrupt(awaiter, Interruption::cancel_requested);
}

void Runtime::on_cancelled(CancelWaiter& waiter) {
  Fiber& f = container_of(waiter, &Fiber::cancel_waiter);
  if (f.rt.run_observer_) f.rt.report_cancelled(f);
  if (f.state == FiberState::waiting && f.wait == Wait::await && f.await_call.awaiter &&
      f.await_call.awaiter->cancel_mode_ == CancelMode::deferred) {
    f.rt.defer_cancel(f);
    return;
  }
  f.rt.wake(f);
}

void Runtime::on_sleep_due(DeadlineEntry& entry) {
  Fiber& f = container_of(entry, &Fiber::sleep_entry);
  if (f.state != FiberState::waiting) return;
  f.rt.end_wait(f, Interruption::cancelled);
  f.rt.make_due_runnable(f);
}

void Runtime::on_awaiter_completed(Awaiter& awaiter) {
  // The awaiter stays attached until the continuation runs, so that an
  // abort in between still reaches the bridge through on_interrupt.
  resume_later(*awaiter.fiber_);
}

void Runtime::detach_awaiter(Fiber& f) {
  if (Awaiter* awaiter = f.await_call.awaiter) {
    awaiter->fiber_ = nullptr;
    f.await_call.awaiter = nullptr;
    --external_waits_;
  }
}

void Runtime::on_awaiter_destroyed(Awaiter& awaiter) {
  Fiber* f = awaiter.fiber_;
  awaiter.fiber_ = nullptr;
  f->await_call.awaiter = nullptr;
  --external_waits_;
  f->await_end = Fiber::AwaitEnd::abandoned;
  resume_later(*f);  // no effect if the completion already queued it
}

// --- the loop ---------------------------------------------------------------

void Runtime::on_timer_due() {
  if (clock_.is_virtual()) {
    // Armed only when nothing could run; a host callback may have queued
    // a fiber since, and then the clock must not move.
    const DeadlineEntry* first = deadlines_.top();
    if (!has_runnable() && first) clock_.advance_to(first->due_ns);
  }
  fire_due(clock_.now_ns());
  sync_loop_handles();
}

void Runtime::fire_due(std::uint64_t now) {
  while (DeadlineEntry* entry = deadlines_.pop_due(now)) entry->fire(*entry);
}

void Runtime::sync_loop_handles() {
  if (closed_) return;
  loop_.sync(has_runnable(), deadlines_.top(), clock_, external_waits_ > 0);
}

void Runtime::dispatch() {
  if (dispatching_ || closed_) return;
  dispatching_ = true;
  preemptor_.check_thread();
  const std::uint64_t budget_end = uv_hrtime() + kDispatchBudgetNs;
  unsigned resumes_unchecked = 0;
  bool out_of_budget = false;
  while (!closed_ && !out_of_budget && has_runnable()) {
    // One turn: everything runnable now, in FIFO order. What becomes
    // runnable meanwhile waits for the next turn, except sleepers whose
    // time came: they run first, so a long turn does not make them late.
    IntrusiveList<Fiber, &Fiber::run_hook> batch;
    batch.splice_back(run_queue_);
    while (!closed_) {
      Fiber* f = due_queue_.pop_front();
      if (!f) f = batch.pop_front();
      if (!f) break;
      resume(*f);
      // A resume may have run for long: deadlines that passed meanwhile
      // fire before anything else runs, and the loop gets its turn at I/O
      // once the budget is spent.
      if (deadlines_.empty() && ++resumes_unchecked < kResumesPerBudgetCheck) continue;
      resumes_unchecked = 0;
      const std::uint64_t now = uv_hrtime();
      fire_due(clock_.is_virtual() ? clock_.virtual_now_ns() : now);
      if (now >= budget_end) {
        out_of_budget = true;
        break;
      }
    }
    run_queue_.splice_front(batch);  // the rest of an interrupted turn goes first
    // Nothing can run: a completion a resource expects within microseconds
    // is waited for here rather than after a loop iteration.
    if (!closed_ && !out_of_budget && !has_runnable() && resources_.poll(budget_end)) {
      out_of_budget = uv_hrtime() >= budget_end;
    }
  }
  dispatching_ = false;
  sync_loop_handles();
}

void Runtime::resume(Fiber& f) {
  watchdog_fiber_ = nullptr;  // only a paused fiber is resumed while one is set
  if (f.abort_requested) {
    hard_abort(f);
    return;
  }
  f.state = FiberState::running;
  f.wait = Wait::none;
  if (f.kind == FiberKind::task) {
    auto& t = static_cast<Task&>(f);
    if (!t.started) {
      t.started = true;
      if (Observer* o = lifecycle_observer()) o->task_started(t.event());
    }
  }
  if (!f.thread && !start_thread(static_cast<Task&>(f))) {
    // No memory for a thread: the task fails as its spawn would have, with
    // Lua's memory error (Task::kErrorWithoutThread).
    static_cast<Task&>(f).nresults = 1;
    complete(f, Outcome::failed);
    return;
  }
  const int nargs = f.start_nargs;
  f.start_nargs = 0;
  int nresults = 0;
  running_ = &f;
  // Only the preemption handler reads it; the virtual clock never passes a
  // deadline while code runs.
  DeadlineEntry* next =
      preemptor_.is_on() && !clock_.is_virtual() && !deadlines_.empty() ? deadlines_.top() : nullptr;
  if (run_observer_) report_resumed(f);
  preemptor_.enter_resume(f.thread, next ? next->due_ns : UINT64_MAX);
  lua_State* const outer_thread = t_resumed_thread;  // another state's runtime, resuming
  Runtime* const outer_runtime = t_resumed_runtime;
  t_resumed_thread = f.thread;
  t_resumed_runtime = this;
  const int status = lua_resume(f.thread, nullptr, nargs, &nresults);
  t_resumed_thread = outer_thread;
  t_resumed_runtime = outer_runtime;
  preemptor_.leave_resume();
  running_ = nullptr;
  if (run_observer_) report_suspended(f, status);

  if (status == LUA_YIELD) {
    if (!f.suspend_pending) {
      // A raw lua_yield from host C code reached the scheduler: there is
      // nothing to resume it with, so the fiber fails.
      lua_pop(f.thread, nresults);
      finish_stray_yield(f);
      return;
    }
    f.suspend_pending = false;
    f.state = FiberState::waiting;
    if (f.preempted) {
      // The slice ran out: back of the queue, no cancellation check (the
      // fiber continues where it was); a hard abort is honoured now.
      f.preempted = false;
      if (f.abort_requested)
        hard_abort(f);
      else
        continue_preempted(f);
    } else if (f.abort_requested) {
      hard_abort(f);
    } else if (f.wait == Wait::turn) {
      f.wait = Wait::none;
      make_runnable(f);
    } else if (f.wait == Wait::await && f.await_call.awaiter && f.await_call.awaiter->completed_) {
      // Completed before the yield got here (a deferred cancel's bridge
      // that finished at once inside on_interrupt).
      resume_later(f);
    }
    return;
  }
  if (f.abort_requested) {
    // Aborted while running: the abort wins over how it ended.
    if (status != LUA_OK) reset_failed_thread(f);
    lua_settop(f.thread, 0);
    complete(f, Outcome::aborted);
  } else if (status == LUA_OK) {
    finish_returned(f, nresults);
  } else {
    finish_failed(f);
  }
}

// --- fiber threads ----------------------------------------------------------

namespace {
// [-1, +1, m] A new thread, guarded; the guards come as light userdata.
int push_new_thread(lua_State* L) {
  auto* guards = static_cast<ThreadGuards*>(lua_touserdata(L, 1));
  lua_newthread(L);
  guards->own(L);
  return 1;
}
}  // namespace

bool Runtime::start_thread(Task& t) {
  // Runs in the scheduler, where nothing may raise: taking a pooled thread
  // cannot, and a new one is made under lua_pcall.
  lua_State* S = service_;
  if (!lua_checkstack(S, 6)) return false;
  pins_.push_table(S);
  lua_rawgeti(S, -1, t.pin);    // the handle, pinned while the task is live
  lua_getiuservalue(S, -1, 1);  // the function
  lua_State* co = threads_.take_idle(S);
  if (co) {
    lua_sethook(co, nullptr, 0, 0);  // the spawner had none (spawn_into)
  } else {
    lua_pushcfunction(S, push_new_thread);
    lua_pushlightuserdata(S, &guards_);
    if (lua_pcall(S, 1, 1, 0) != LUA_OK) {
      lua_pop(S, 4);  // the error, the function, the handle, the pin table
      return false;
    }
    co = lua_tothread(S, -1);
  }
  lua_pushvalue(S, -2);
  lua_xmove(S, co, 1);          // the function, onto the thread
  lua_setiuservalue(S, -3, 1);  // the handle keeps the thread from now on
  lua_pop(S, 3);
  t.thread = co;
  return true;
}

bool Runtime::recycle_thread(Fiber& f) {
  lua_State* co = f.thread;
  if (!co || f.thread_exposed || closed_) return false;
  if (lua_status(co) != LUA_OK || lua_gettop(co) != 0) return false;
  if (!threads_.recycle(service_, co)) return false;
  // The handle or scope object keeps the thread as its user value: the
  // runtime never looks there again (f.thread is what it follows), and
  // clearing it would cost a third of a reuse.
  f.thread = nullptr;
  return true;
}

}  // namespace lua_batteries::detail
