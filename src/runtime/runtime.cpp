// Scheduler core: loop handles, the run queue, waits and wake-ups.
#include "runtime/runtime.hpp"

#include <cmath>

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

struct Runtime::LoopHandles {
  uv_idle_t idle;
  uv_timer_t timer;
  int open = 0;
};

Fiber::Fiber(Runtime& runtime, FiberKind fiber_kind)
    : rt(runtime),
      kind(fiber_kind),
      cancel_waiter(&Runtime::on_cancelled),
      sleep_entry(&Runtime::on_sleep_due) {}

CancelToken* Fiber::token() const { return scope->token.get(); }

Runtime::Runtime(lua_State* L, uv_loop_t* loop, const Config& config)
    : main_L_(L),
      service_(nullptr),
      loop_(loop),
      config_(config),
      lifecycle_observer_(config.observer && config.observer->wants_lifecycle_events() ? config.observer : nullptr),
      handles_(nullptr),
      root_(std::make_unique<Scope>(*this, ScopeKind::root, nullptr)),
      shutdown_grace_entry_(&Runtime::on_shutdown_grace_due) {
  handles_ = new LoopHandles;  // last: nothing after it may throw
  uv_idle_init(loop_, &handles_->idle);
  uv_timer_init(loop_, &handles_->timer);
  handles_->idle.data = this;
  handles_->timer.data = this;
  handles_->open = 2;
  virtual_origin_ns_ = virtual_now_ns_ = uv_hrtime();
  uv_timeval64_t tv{};
  if (uv_gettimeofday(&tv) == 0) wall_origin_us_ = tv.tv_sec * 1'000'000 + tv.tv_usec;
}

std::int64_t Runtime::wall_clock_us() const {
  if (config_.virtual_time)
    return wall_origin_us_ + static_cast<std::int64_t>((virtual_now_ns_ - virtual_origin_ns_) / 1000);
  uv_timeval64_t tv{};
  if (uv_gettimeofday(&tv) != 0) return 0;
  return tv.tv_sec * 1'000'000 + tv.tv_usec;
}

Runtime::~Runtime() { close(); }

Runtime* Runtime::from(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kRuntimeKey);
  auto* rt = static_cast<Runtime*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return rt;
}

const void* runtime_registry_key() { return &kRuntimeKey; }

void Runtime::set_service_thread(lua_State* service) { service_ = service; }

// --- suspension -----------------------------------------------------------

Fiber* Runtime::suspendable_fiber(lua_State* L) const {
  Fiber* f = running_;
  if (!f || L != f->innermost() || !lua_isyieldable(L)) return nullptr;
  if (!f->nested.empty() && !f->nested.back().through) return nullptr;
  if (is_closing_thread(L)) return nullptr;
  return f;
}

int Runtime::suspend(lua_State* L, Fiber& f, lua_KFunction k, lua_KContext ctx) {
  f.suspend_pending = true;
  return lua_yieldk(L, 0, ctx, k);
}

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
  ++outstanding_awaits_;
  f.token()->add_waiter(f.cancel_waiter);
}

void Runtime::end_wait(Fiber& f, Interruption why) {
  deadlines_.remove(f.sleep_entry);
  f.cancel_waiter.unregister();
  if (f.wait == Wait::join) {
    if (Task* target = f.join_target) {
      if (target->joiner == &f) target->joiner = nullptr;
      f.join_target = nullptr;
    }
  } else if (f.wait == Wait::await) {
    if (Awaiter* awaiter = f.await_call.awaiter) {
      f.await_call.awaiter = nullptr;
      --outstanding_awaits_;
      f.await_end = Fiber::AwaitEnd::interrupted;
      awaiter->fiber_ = nullptr;
      if (awaiter->on_interrupt_) awaiter->on_interrupt_(*awaiter, why);
    }
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
  deadlines_.remove(f.sleep_entry);
  make_runnable(f);
}

void Runtime::make_runnable(Fiber& f) {
  f.state = FiberState::runnable;
  run_queue_.push_back(f);
  if (!dispatching_ && !closed_) uv_idle_start(&handles_->idle, &Runtime::on_idle);
}

void Runtime::make_due_runnable(Fiber& f) {
  f.state = FiberState::runnable;
  due_queue_.push_back(f);
  if (!dispatching_ && !closed_) uv_idle_start(&handles_->idle, &Runtime::on_idle);
}

void Runtime::defer_cancel(Fiber& f) {
  f.cancel_waiter.unregister();
  f.await_end = Fiber::AwaitEnd::interrupted;
  notify_interrupt(*f.await_call.awaiter, Interruption::cancel_requested);
}

void Runtime::on_cancelled(CancelWaiter& waiter) {
  Fiber& f = container_of(waiter, &Fiber::cancel_waiter);
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
    --outstanding_awaits_;
  }
}

void Runtime::on_awaiter_destroyed(Awaiter& awaiter) {
  Fiber* f = awaiter.fiber_;
  awaiter.fiber_ = nullptr;
  f->await_call.awaiter = nullptr;
  --outstanding_awaits_;
  f->await_end = Fiber::AwaitEnd::abandoned;
  resume_later(*f);  // no effect if the completion already queued it
}

// --- the loop ---------------------------------------------------------------

void Runtime::on_idle(uv_idle_t* idle) { static_cast<Runtime*>(idle->data)->dispatch(); }

void Runtime::on_timer(uv_timer_t* timer) {
  auto* rt = static_cast<Runtime*>(timer->data);
  rt->armed_due_ = UINT64_MAX;
  if (rt->config_.virtual_time) {
    // Armed only when nothing could run; a host callback may have queued
    // a fiber since, and then the clock must not move.
    DeadlineEntry* first = rt->deadlines_.top();
    if (!rt->has_runnable() && first && first->due_ns > rt->virtual_now_ns_) rt->virtual_now_ns_ = first->due_ns;
  }
  rt->fire_due(rt->now_ns());
  rt->sync_loop_handles();
}

void Runtime::fire_due(std::uint64_t now) {
  while (DeadlineEntry* entry = deadlines_.pop_due(now)) entry->fire(*entry);
}

void Runtime::sync_loop_handles() {
  if (closed_) return;
  if (!has_runnable())
    uv_idle_stop(&handles_->idle);
  else
    uv_idle_start(&handles_->idle, &Runtime::on_idle);

  if (config_.virtual_time) {
    sync_virtual_timer();
    return;
  }
  DeadlineEntry* first = deadlines_.top();
  if (!first) {
    if (armed_due_ != UINT64_MAX) uv_timer_stop(&handles_->timer);
    armed_due_ = UINT64_MAX;
    return;
  }
  if (first->due_ns == armed_due_) return;
  const std::uint64_t now = uv_hrtime();
  // libuv counts whole milliseconds from its cached loop time; round up
  // and let on_timer re-arm if it fires a little early.
  const std::uint64_t delay_ms = first->due_ns > now ? (first->due_ns - now + 999'999) / 1'000'000 : 0;
  uv_update_time(loop_);
  uv_timer_start(&handles_->timer, &Runtime::on_timer, delay_ms, 0);
  armed_due_ = first->due_ns;
}

void Runtime::sync_virtual_timer() {
  // Time stands still while anything can run. With every fiber blocked the
  // timer fires at once and on_timer jumps to the earliest deadline; while
  // a host await is outstanding the jump waits that deadline's distance in
  // real time, so the bridge gets the time a timeout promised it.
  DeadlineEntry* first = deadlines_.top();
  if (!first || has_runnable()) {
    uv_timer_stop(&handles_->timer);
    armed_due_ = UINT64_MAX;
    return;
  }
  std::uint64_t delay_ms = 0;
  if (outstanding_awaits_ > 0 && first->due_ns > virtual_now_ns_)
    delay_ms = (first->due_ns - virtual_now_ns_ + 999'999) / 1'000'000;
  uv_update_time(loop_);
  uv_timer_start(&handles_->timer, &Runtime::on_timer, delay_ms, 0);
  armed_due_ = first->due_ns;
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
      fire_due(config_.virtual_time ? virtual_now_ns_ : now);
      if (now >= budget_end) {
        out_of_budget = true;
        break;
      }
    }
    run_queue_.splice_front(batch);  // the rest of an interrupted turn goes first
  }
  dispatching_ = false;
  sync_loop_handles();
}

void Runtime::resume(Fiber& f) {
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
  DeadlineEntry* next = preemptor_.is_on() && !config_.virtual_time ? deadlines_.top() : nullptr;
  preemptor_.enter_resume(f.thread, next ? next->due_ns : UINT64_MAX);
  const int status = lua_resume(f.thread, nullptr, nargs, &nresults);
  preemptor_.leave_resume();
  running_ = nullptr;

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
        make_runnable(f);
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
    if (status != LUA_OK) reset_thread(f.thread);
    lua_settop(f.thread, 0);
    complete(f, Outcome::aborted);
  } else if (status == LUA_OK) {
    finish_returned(f, nresults);
  } else {
    finish_failed(f);
  }
}

bool Runtime::is_closing_thread(lua_State* co) const {
  for (const ClosingThread* c = closing_threads_; c; c = c->outer)
    if (c->thread == co) return true;
  return false;
}

int Runtime::reset_thread(lua_State* co) {
  ClosingThread node{co, closing_threads_};
  closing_threads_ = &node;
#if LUA_VERSION_RELEASE_NUM >= 50406
  const int status = lua_closethread(co, nullptr);
#else
  const int status = lua_resetthread(co);
#endif
  closing_threads_ = node.outer;
  return status;
}

void Runtime::create_thread_pools(lua_State* L) {
  luaL_checkstack(L, 3, nullptr);
  lua_createtable(L, kKeptThreadsInitialSize, 0);
  kept_threads_.table = luaL_ref(L, LUA_REGISTRYINDEX);
  kept_threads_.size = kKeptThreadsInitialSize;
  lua_createtable(L, 0, 0);
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "v");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  spare_threads_.table = luaL_ref(L, LUA_REGISTRYINDEX);
}

void Runtime::grow_thread_pool(lua_State* L, ThreadPool& pool) {
  const int doubled = pool.size > 0 ? pool.size * 2 : kKeptThreadsInitialSize;
  const int size = doubled < pool.capacity ? doubled : pool.capacity;
  luaL_checkstack(L, 3, nullptr);
  lua_createtable(L, size, 0);
  lua_rawgeti(L, LUA_REGISTRYINDEX, pool.table);
  if (lua_getmetatable(L, -1)) lua_setmetatable(L, -3);  // a weak pool stays weak
  for (int i = 1; i <= pool.count; ++i) {
    lua_rawgeti(L, -1, i);
    lua_rawseti(L, -3, i);  // within the new array part: no allocation
  }
  lua_pop(L, 1);
  lua_rawseti(L, LUA_REGISTRYINDEX, pool.table);  // an existing slot: no allocation
  pool.size = size;
}

lua_State* Runtime::take_pooled_thread(lua_State* L, ThreadPool& pool) {
  if (pool.count == 0) return nullptr;
  lua_rawgeti(L, LUA_REGISTRYINDEX, pool.table);
  while (pool.count > 0) {
    const lua_Integer slot = pool.count--;
    if (lua_rawgeti(L, -1, slot) == LUA_TNIL) {  // collected (a weak pool)
      lua_pop(L, 1);
      continue;
    }
    lua_pushnil(L);
    lua_rawseti(L, -3, slot);  // an existing array slot: no allocation
    lua_remove(L, -2);
    return lua_tothread(L, -1);
  }
  lua_pop(L, 1);
  return nullptr;
}

lua_State* Runtime::take_idle_thread(lua_State* L) {
  // Spare threads first: whatever the collector finds idle there is lost.
  if (lua_State* co = take_pooled_thread(L, spare_threads_)) return co;
  return take_pooled_thread(L, kept_threads_);
}

void Runtime::make_room_for_threads(lua_State* L) {
  if (live_tasks_ < static_cast<std::size_t>(kept_threads_.size + spare_threads_.size)) return;
  if (kept_threads_.size < kept_threads_.capacity)
    grow_thread_pool(L, kept_threads_);
  else if (spare_threads_.size < spare_threads_.capacity)
    grow_thread_pool(L, spare_threads_);
}

lua_State* Runtime::push_fiber_thread(lua_State* L) {
  make_room_for_threads(L);
  lua_State* co = take_idle_thread(L);
  if (!co) return lua_newthread(L);
  // Never exposed, so never guarded. A new thread inherits its creator's
  // hook; so does a reused one.
  lua_sethook(co, lua_gethook(L), lua_gethookmask(L), lua_gethookcount(L));
  return co;
}

namespace {
int push_new_thread(lua_State* L) {
  lua_newthread(L);
  return 1;
}
}  // namespace

bool Runtime::start_thread(Task& t) {
  // Runs in the scheduler, where nothing may raise: taking a pooled thread
  // cannot, and a new one is made under lua_pcall.
  lua_State* S = service_;
  if (!lua_checkstack(S, 5)) return false;
  lua_rawgeti(S, LUA_REGISTRYINDEX, refs.pins);
  lua_rawgeti(S, -1, t.pin);    // the handle, pinned while the task is live
  lua_getiuservalue(S, -1, 1);  // the function
  lua_State* co = take_idle_thread(S);
  if (co) {
    lua_sethook(co, nullptr, 0, 0);  // the spawner had none (spawn_into)
  } else {
    lua_pushcfunction(S, push_new_thread);
    if (lua_pcall(S, 0, 1, 0) != LUA_OK) {
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
  if (!co || f.thread_exposed || closed_ || kept_threads_.table == LUA_NOREF) return false;
  if (lua_status(co) != LUA_OK || lua_gettop(co) != 0) return false;
  ThreadPool& pool = kept_threads_.count < kept_threads_.size ? kept_threads_ : spare_threads_;
  if (pool.count >= pool.size) return false;
  lua_State* S = service_;
  if (!lua_checkstack(S, 2)) return false;
  // The pool table has pool.size array slots (grow_thread_pool), so
  // storing into it cannot allocate (and so cannot raise).
  lua_rawgeti(S, LUA_REGISTRYINDEX, pool.table);
  lua_pushthread(co);
  lua_xmove(co, S, 1);
  lua_rawseti(S, -2, ++pool.count);
  lua_pop(S, 1);
  // The handle or scope object keeps the thread as its user value: the
  // runtime never looks there again (f.thread is what it follows), and
  // clearing it cost a third of a reuse.
  f.thread = nullptr;
  return true;
}

int Runtime::pin(lua_State* L, int index) {
  index = lua_absindex(L, index);
  lua_rawgeti(L, LUA_REGISTRYINDEX, refs.pins);
  const bool reuse = free_pin_ != 0;
  const int slot = reuse ? free_pin_ : pin_slots_ + 1;
  lua_Integer next_free = 0;
  if (reuse) {
    lua_rawgeti(L, -1, slot);
    next_free = lua_tointeger(L, -1);
    lua_pop(L, 1);
  }
  lua_pushvalue(L, index);
  lua_rawseti(L, -2, slot);  // may raise as the table grows: nothing is taken yet
  lua_pop(L, 1);
  // Nothing above runs Lua code (an emergency collection calls no
  // finalizer), so no other pin took the slot meanwhile.
  if (reuse)
    free_pin_ = static_cast<int>(next_free);
  else
    pin_slots_ = slot;
  return slot;
}

void Runtime::drop_pin(int slot) {
  lua_State* L = main_L_;
  lua_rawgeti(L, LUA_REGISTRYINDEX, refs.pins);
  lua_pushinteger(L, free_pin_);
  lua_rawseti(L, -2, slot);  // replaces the pinned value: no allocation
  lua_pop(L, 1);
  free_pin_ = slot;
}

bool Runtime::is_guarded(lua_State* L, lua_State* co, int co_index) {
  if (parked_.contains(co)) return true;
  if (!threads_exposed_) return false;
  co_index = lua_absindex(L, co_index);
  luaL_checkstack(L, 2, nullptr);
  lua_rawgeti(L, LUA_REGISTRYINDEX, refs.exposed_threads);
  lua_pushvalue(L, co_index);
  const bool exposed = lua_rawget(L, -2) != LUA_TNIL;
  lua_pop(L, 2);
  return exposed;
}

void Runtime::expose_thread(lua_State* L, Fiber& f) {
  if (f.thread_exposed) return;
  luaL_checkstack(L, 3, nullptr);
  lua_rawgeti(L, LUA_REGISTRYINDEX, refs.exposed_threads);
  lua_pushthread(L);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);  // may raise (the table grows): nothing is recorded yet
  lua_pop(L, 1);
  f.thread_exposed = true;  // never reused for another fiber
  threads_exposed_ = true;
}

void Runtime::close_loop_handles() {
  LoopHandles* handles = handles_;
  handles_ = nullptr;
  uv_idle_stop(&handles->idle);
  uv_timer_stop(&handles->timer);
  auto on_close = [](uv_handle_t* handle) {
    auto* owner = static_cast<LoopHandles*>(handle->data);
    if (--owner->open == 0) delete owner;
  };
  handles->idle.data = handles;
  handles->timer.data = handles;
  uv_close(reinterpret_cast<uv_handle_t*>(&handles->idle), on_close);
  uv_close(reinterpret_cast<uv_handle_t*>(&handles->timer), on_close);
}

}  // namespace lua_batteries::detail
