// The scheduler: one per Lua state, driven by one libuv loop.
//
// libuv callbacks only mark fibers runnable; dispatch() is the one place
// that resumes coroutines, always from the loop, never nested inside
// another fiber's resume. A suspending std.task function records what its
// fiber waits for and yields; wake-ups (timers, cancellation, completions)
// end that wait and queue the fiber again.
//
// The runtime keeps the scheduling core (run queues, deadlines, waits, how
// fibers end and scopes settle, hard abort, blocking runs). The parts with
// state of their own are separate types it owns: the clock, the loop
// driver, the pin table, the thread pools, the thread guards and the error
// values. Files: runtime.cpp (waits and dispatch), lifecycle.cpp (how
// fibers end and scopes settle), abort.cpp (hard abort), run.cpp (blocking
// runs and shutdown).
#pragma once

#include <lua.hpp>
#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "core/cancel_token.hpp"
#include "core/deadline_queue.hpp"
#include "core/intrusive_list.hpp"
#include "runtime/clock.hpp"
#include "runtime/error_value.hpp"
#include "runtime/fiber.hpp"
#include "runtime/loop_driver.hpp"
#include "runtime/pin_table.hpp"
#include "runtime/preempt.hpp"
#include "runtime/resource_registry.hpp"
#include "runtime/thread_guards.hpp"
#include "runtime/thread_pools.hpp"
#include "runtime/wait_site.hpp"

namespace lua_batteries::detail {

/// A token reference owned by a Lua object (a CancelToken) whose __gc
/// releases it. Lua attaches no finalizer to an object made while the
/// state closes (a __gc that calls task.cancel_token() during lua_close),
/// so the runtime keeps every holder on a list and releases what is left
/// when it is torn down, after every other finalizer has run.
struct HeldToken {
  ListHook hook;
  TokenRef token;
};

/// Registry references of the Lua-visible object types, which the bindings
/// create (lua/open.cpp) and read on hot paths.
struct ObjectMetatables {
  int handle = LUA_NOREF;
  int scope = LUA_NOREF;
  int unnamed_scope = LUA_NOREF;  // a scope object's without a name
  int token = LUA_NOREF;
};

class Runtime {
 public:
  /// May throw std::bad_alloc. Call open() before anything else.
  Runtime(lua_State* main, uv_loop_t* loop, const Config& config);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// [-0, +0, e] Files the runtime (the userdata at `index` of L, whose
  /// memory holds it) in the registry and creates every registry object
  /// it owns: the service thread, the pin table, the thread pools and
  /// guards, the error values. The one place they are set up.
  void open(lua_State* L, int index);
  /// [-0, +0, -] Records the object types' metatables (lua/open.cpp), once.
  void set_object_metatables(const ObjectMetatables& metatables) { metatables_ = metatables; }
  /// The runtime installed in L's state, or null. [-0, +0, -]
  static Runtime* from(lua_State* L);

  // --- identity and configuration
  /// A thread of the runtime's own for protected calls made from the loop.
  lua_State* service() const { return service_; }
  const Config& config() const { return config_; }
  Observer* observer() const { return config_.observer; }
  /// The observer, if it wants the per-task and per-scope events.
  Observer* lifecycle_observer() const { return lifecycle_observer_; }
  /// The observer, if it wants run events (resumes, suspensions, cancels).
  Observer* run_observer() const { return run_observer_; }
  /// The next scope's ScopeEvent::number.
  std::uint64_t take_scope_number() { return next_scope_number_++; }
  bool is_closed() const { return closed_; }
  /// The __close handler being let finish (abort.cpp): its thread, and its
  /// depth there (0 for none).
  lua_State* finishing_close_thread() const { return finishing_close_thread_; }
  int finishing_close_depth() const { return finishing_close_depth_; }
  /// Puts `h` on the list of held tokens (see HeldToken).
  void hold(HeldToken& h) { held_tokens_.push_back(h); }
  /// Releases h's token and takes it off the list (its owner's __gc).
  static void release(HeldToken& h) {
    h.hook.unlink();
    h.token.reset();
  }
  /// Starts preemption when Config::slice_ms or Config::watchdog asks for
  /// it; call on the loop thread. Returns null, or a static error message.
  const char* start_preemption() {
    return preemptor_.start(config_.slice_ms, config_.watchdog, config_.preempt_signal);
  }

  // --- the parts it owns
  const Clock& clock() const { return clock_; }
  std::uint64_t now_ns() const { return clock_.now_ns(); }
  Preemptor& preemptor() { return preemptor_; }
  LoopDriver& loop_driver() { return loop_; }
  PinTable& pins() { return pins_; }
  ThreadPools& thread_pools() { return threads_; }
  ThreadGuards& guards() { return guards_; }
  const ErrorValues& errors() const { return errors_; }
  const ObjectMetatables& metatables() const { return metatables_; }
  /// OS resources of host bridges (lua_batteries::own); close() ends them.
  ResourceRegistry& resources() { return resources_; }

  // --- scheduling (runtime.cpp)
  Fiber* running() const { return running_; }
  /// Resets co, a coroutine the running code closes (coroutine.close, a
  /// wrap that failed), its __close handlers running as cleanup code
  /// (cleanup_resets.cpp). Returns Lua's status.
  int reset_coroutine(lua_State* co);
  /// task.var's values (lua/task_var.cpp): the registry reference of the
  /// table from a context key (a Task, or this Runtime for the root
  /// context) to that context's table; LUA_NOREF until the first var.
  int var_contexts() const { return var_contexts_; }
  void set_var_contexts(int ref) { var_contexts_ = ref; }
  /// The fiber that code on thread L may suspend, or null where it cannot
  /// (a C boundary, a thread the runtime does not drive, a __close handler
  /// run or let finish by an abort).
  Fiber* suspendable_fiber(lua_State* L) const {  // inline: every wait and yield asks
    Fiber* f = running_;
    if (!f || L != f->innermost() || !lua_isyieldable(L) || f->cleaning_up) return nullptr;
    if (!f->nested.empty() && !f->nested.back().through) return nullptr;
    if (guards_.is_closing(L)) return nullptr;
    return f;
  }
  /// Yields L to the scheduler; f's wait must be set (a wait_* call). The
  /// fiber continues in k. [-0, +0, -] (yields)
  int suspend(lua_State* L, Fiber& f, lua_KFunction k, lua_KContext ctx) {
    f.suspend_pending = true;
    return lua_yieldk(L, 0, ctx, k);
  }
  void wait_turn(Fiber& f) { f.wait = Wait::turn; }
  /// May throw std::bad_alloc (the deadline queue grows).
  void wait_sleep(Fiber& f, std::uint64_t due_ns);
  void wait_join(Fiber& f, Task& target);
  /// The join's continuation runs: f no longer waits for t.
  void end_join(Fiber& f, Task& t);
  void wait_scope(Fiber& f, Scope& scope);
  void wait_await(Fiber& f, Awaiter& awaiter);
  /// A wait described by `site` (wait_site.hpp): cancel-aware, ended by
  /// complete_wait or by site.interrupt.
  void wait_on(Fiber& f, WaitSite& site) {  // inline: every channel wait
    f.wait = Wait::site;
    f.site_wait.site = &site;
    if (site.external) ++external_waits_;
    f.token()->add_waiter(f.cancel_waiter);
  }
  /// The event f waits for on its site came: f continues on a later turn.
  /// The site stays attached until finish_wait, so that an abort in
  /// between still reaches it. No effect unless f is waiting.
  void complete_wait(Fiber& f) { resume_later(f); }
  /// In the continuation of a site wait: detaches the site. True if the
  /// wait completed, false if it was interrupted (the site's interrupt ran).
  bool finish_wait(Fiber& f) {
    WaitSite* site = f.site_wait.site;
    if (!site) return false;
    f.site_wait.site = nullptr;
    if (site->external) --external_waits_;
    return true;
  }
  /// Ends f's wait as interrupted (cancellation) and queues it; no effect
  /// unless f is waiting.
  void wake(Fiber& f);
  /// A cancellation reached f waiting for an Awaiter of
  /// CancelMode::deferred: the bridge is told, f keeps waiting, and its
  /// continuation runs k or raises `task cancelled`, as the bridge's
  /// completion says (Awaiter::complete / complete_interrupted).
  void defer_cancel(Fiber& f);
  /// Whether the bridge completed the awaiter with complete_interrupted()
  /// after a cancel request: the operation did not happen.
  static bool nothing_happened(const Awaiter& awaiter) { return awaiter.nothing_happened_; }
  /// Calls the awaiter's on_interrupt, if it has one.
  static void notify_interrupt(Awaiter& awaiter, Interruption why) {
    if (awaiter.on_interrupt_) awaiter.on_interrupt_(awaiter, why);
  }
  /// Queues a waiting fiber whose wait completed (its continuation reads
  /// the result). No effect unless f is waiting.
  void resume_later(Fiber& f);
  void make_runnable(Fiber& f);
  /// Queues a sleeper whose time came ahead of the current turn.
  void make_due_runnable(Fiber& f);
  /// Starts or stops the loop driver's handles to match the run queue and
  /// the deadline queue.
  void sync_loop_handles();
  void on_awaiter_completed(Awaiter& awaiter);
  /// The continuation of f's await runs: the Awaiter is the bridge's again.
  void detach_awaiter(Fiber& f);
  void on_awaiter_destroyed(Awaiter& awaiter);
  /// Resumes what is runnable (the loop driver's idle callback).
  void dispatch();
  /// The loop driver's timer fired: moves the virtual clock if every fiber
  /// is blocked, fires what is due.
  void on_timer_due();

  // --- fibers, tasks and scopes
  Scope& root_scope() { return *root_; }
  /// The main chunk of the blocking run in progress, or null.
  const Fiber* main_fiber() const { return run_ ? run_->main : nullptr; }
  /// Tasks spawned and not yet finished, in every scope (Config::max_tasks).
  std::size_t live_tasks() const { return live_tasks_; }
  /// Constructs a task in `memory` (a handle's), links it into `scope`
  /// and queues it. Never raises, never throws.
  Task& spawn(void* memory, Scope& scope, const TaskSpec& spec);
  /// Starts a scope constructed by its opener: arms a with_timeout
  /// deadline, queues the body, makes the opener wait for the scope. False
  /// (the scope is closed and released) if there is no memory for the
  /// deadline; the opener then raises.
  bool start_scope(Scope& s, Fiber& opener);
  /// Hard abort (spec section 2) of f and everything below it. Returns how
  /// many fibers were torn down now; running ones stop at their next
  /// suspension point.
  std::size_t hard_abort(Fiber& f);
  /// The fibers a hard abort tears down, in the order they go. Building
  /// and running it allocates nothing: teardown cannot fail for lack of
  /// memory. A fiber already in another walk (a __close handler run by an
  /// abort aborts it again) is left to that walk.
  class AbortWalk {
   public:
    /// What the walk does to cleanup code a fiber that was hard-aborted
    /// before runs (the __close handlers of that abort: Fiber::cleaning_up;
    /// or of a coroutine its running code closes): another hard abort that
    /// reaches it through a scope it lives in (Handle:abort of an ancestor,
    /// a grace window that ends) lets it finish, as that fiber is being
    /// torn down already; a stop of the whole run (abort_everything: a
    /// second Ctrl-C, the shutdown's grace expiry) cuts it
    /// (Fiber::cleanup_cut). Cleanup code that had started when the
    /// fiber's first hard abort came always finishes.
    enum class Cleanups : std::uint8_t { let_finish, cut };
    explicit AbortWalk(Cleanups cleanups = Cleanups::let_finish) : cleanups_(cleanups) {}
    /// Adds f and, once run, everything it waits for. Roots go in the
    /// order given.
    void add_root(Fiber& f);
    std::size_t run(Runtime& rt);

   private:
    Fiber* roots_ = nullptr;  // reversed: the last added first
    Cleanups cleanups_;
  };
  /// The caller of `s` stopped waiting for it: drop its pin.
  void release_scope(Scope& s);
  /// A join consumed t's outcome.
  void mark_joined(Task& t);
  /// Drops the runtime's pin on a finished task's handle.
  void unpin(Task& t);
  /// [-0, +1, m] A thread for a new fiber: a pooled one or a new one,
  /// guarded (ThreadGuards::own) either way.
  lua_State* push_fiber_thread(lua_State* L) {
    bool made = false;
    lua_State* co = threads_.push_fiber_thread(L, live_tasks_, made);
    if (made) guards_.own(L);
    return co;
  }
  /// [-0, +0, m] Makes room in the thread pools for one more live task.
  void make_room_for_threads(lua_State* L) { threads_.make_room(L, live_tasks_); }
  /// Keeps f's finished, empty thread for reuse if the script never saw it
  /// and there is room. On success f.thread becomes null. Never raises.
  bool recycle_thread(Fiber& f);
  /// Moves the one value t returned from its thread to its handle, so
  /// that recycle_thread can take the thread. Never raises.
  void hold_result(Task& t);

  // --- resources that belong to scopes (scope_resources.cpp)
  static void attach_resource(Scope& s, ScopedResource& r);
  /// Takes r out of its scope (or out of the ending list, waking the
  /// scope when it was the last one it waited for).
  static void detach_resource(ScopedResource& r);

  // --- host entries (run.cpp)
  RunResult run(lua_State* L, int nargs);
  void request_shutdown();
  void abort_all();
  /// Async-signal-safe: the fiber running now is hard-aborted from the
  /// preemption hook (lua_batteries::interrupt; watchdog.cpp).
  void interrupt_from_signal() noexcept {
    signal_abort_.store(true, std::memory_order_relaxed);
    preemptor_.arm_now();
  }
  /// Tears everything down; the runtime stays unusable afterwards.
  void close();

  // --- reports
  /// describe_value() of the value at `index` of `from`; never raises.
  std::string describe(lua_State* from, int index);
  /// describe() of a failed task's error; never raises.
  std::string describe_error(const Task& t);
  /// Reports the error at `index` of L as a __close error of f, unless it
  /// was the last one reported (used by the hook of an abort's reset).
  void note_close_error(Fiber& f, lua_State* L, int index);

  // --- preemption (watchdog.cpp)
  /// The preemption hook's work on L, the innermost thread of the running
  /// fiber; `over` says its period ran out. May yield or raise.
  void on_preempt_hook(lua_State* L, bool over);
  /// The hook's return event, armed after it raised a hard abort.
  void on_return_after_abort(lua_State* L);
  /// A preempted fiber goes back to the queue (slicing) or first in line
  /// (watchdog).
  void continue_preempted(Fiber& f);
  /// Whether tearing f down waits (see watchdog.cpp); f is then queued
  /// with abort_requested set.
  bool defer_abort(Fiber& f);

  // --- callbacks of the entries and waiters embedded in fibers and scopes
  static void on_sleep_due(DeadlineEntry& entry);
  static void on_deadline_due(DeadlineEntry& entry);
  static void on_grace_due(DeadlineEntry& entry);
  static void on_shutdown_grace_due(DeadlineEntry& entry);
  static void on_cancelled(CancelWaiter& waiter);
  /// A scope's linked token (task.scope opts.token) was cancelled.
  static void on_linked_cancelled(CancelWaiter& waiter);

 private:
  struct RunState {
    Fiber* main = nullptr;
    RunResult result;
    bool complete = false;
  };

  // scheduling (runtime.cpp)
  void resume(Fiber& f);
  // run events (run_events.cpp): only while run_observer_ is set
  void report_resumed(const Fiber& f);
  void report_suspended(const Fiber& f, int status);
  void report_cancelled(const Fiber& f);
  void fire_due(std::uint64_t now);
  /// Fires what is due from inside busy's code (the preemption hook).
  void fire_due_inside(Fiber& busy);
  bool has_runnable() const { return !run_queue_.empty() || !due_queue_.empty(); }
  void end_wait(Fiber& f, Interruption why);
  /// Gives a task that is about to run for the first time its thread (a
  /// pooled one or a new one), with its function, which its handle held
  /// until now, on it. False when there is no memory for one. Never raises.
  bool start_thread(Task& t);

  // how fibers end and scopes settle (lifecycle.cpp)
  void finish_returned(Fiber& f, int nresults);
  void finish_failed(Fiber& f);
  void finish_stray_yield(Fiber& f);
  void complete(Fiber& f, Outcome outcome);
  void body_completed(Scope& s, Outcome outcome);
  /// A child of s failed (not cancelled nor aborted): if s is fail-fast
  /// and this is its first failure, keeps the error for the scope's caller
  /// and cancels s. True if kept (the failure is then observed).
  bool keep_first_failure(Scope& s, Task& t);
  void settle(Scope& s);
  // resources that belong to scopes (scope_resources.cpp)
  /// Calls on_scope_end of each resource of a done scope; a graceful end
  /// leaves it ending (the scope waits for its finish()).
  void end_resources(Scope& s);
  /// At close: ending resources no longer point at their scopes.
  void forget_ending_resources();
  void start_grace(Scope& s);
  void expire_grace(Scope& s);
  void report_unjoined(Scope& s);
  /// Tells the observer who a grace expiry of `s` (null: the shutdown's)
  /// is about to hard-abort, and where each is (dump.cpp).
  void report_grace_expiring(const Scope* s, double grace_ms);
  /// Keeps where the body of `s` is as its deadline passes
  /// (deadline_site.cpp).
  void note_deadline_site(Scope& s);
  /// [-1, +1 on service, -] If the error at the top of `thread` is a
  /// timeout error that knows where its body was, replaces the traceback
  /// string at the top of the service thread with one that says so.
  void append_deadline_site(lua_State* thread);

  // unjoined failures of root tasks (unobserved.cpp)
 public:
  /// The finalizer of the sentinel watching t's handle (unobserved.cpp)
  /// runs on L: reports t's failure unless it was joined or reported.
  void report_collected_failure(lua_State* L, Task& t);

 private:
  /// [-0, +0, m] Creates the ephemeron table and the sentinels' metatable.
  void create_unobserved_table(lua_State* L);
  /// t, a root task, failed without a joiner (and is on the root's
  /// unjoined_failures): report it at once (Config::report_failures_at_once)
  /// or once its handle is garbage, and unpin it. Never raises.
  void watch_unobserved(Task& t);
  /// Reports t's failure to the observer, converting its error on L.
  void report_unobserved(lua_State* L, Task& t);
  /// describe() of t's error, converted on L.
  std::string describe_on(lua_State* L, const Task& t);
  /// describe_value() on L of the value at `index` of `from`, under the
  /// watchdog's ticks (report.hpp's budget holds whatever the script does
  /// to hooks); never raises.
  std::string describe_on_thread(lua_State* L, lua_State* from, int index);
  /// With preemption off, starts the watchdog for a report whose value may
  /// run Lua code as it is converted (it has a metatable). True if started:
  /// stop it once the conversion is over. Never raises.
  bool start_report_watchdog(lua_State* from, int index);
  void forget_deadlines(Scope& s);

  // hard abort (abort.cpp)
  bool finalize_abort(Fiber& f);
  void close_threads(Fiber& f);
  void reset_reporting_errors(Fiber& f, lua_State* thread);
  /// The preemption hook watches `thread`, whose __close handlers a hard
  /// abort runs now.
  void watch_cleanup(lua_State* thread);
  /// Runs `resets` (resets of f's threads, which run their __close
  /// handlers) as f's cleanup code: meanwhile f counts as running (so
  /// current() and spawn see it) but cannot suspend (cleaning_up), and
  /// only the next stop of the whole run cuts it (cleanup_cut; watchdog.cpp).
  template <class Resets>
  void run_as_cleanup(Fiber& f, Resets&& resets) {
    Fiber* saved = running_;
    running_ = &f;
    const FiberState saved_state = f.state;
    f.state = FiberState::running;
    f.cleaning_up = true;
    const Preemptor::Outer outer = preemptor_.enter_report(nullptr);
    resets();
    preemptor_.leave_report(outer);
    f.cleaning_up = false;
    f.cleanup_cut = false;
    f.state = saved_state;
    running_ = saved;
  }
  /// Resets f.thread, which ended with an error, running the __close
  /// handlers Lua left pending as cleanup code (cleanup_resets.cpp).
  /// Returns Lua's status.
  int reset_failed_thread(Fiber& f);
  /// Puts back the thread's own hook once code watched by the preemption
  /// hook ended on it (cleanup_resets.cpp).
  void put_back_script_hook(lua_State* thread);
  /// Lets a __close handler that had started on f's suspended threads
  /// finish before the reset (abort.cpp).
  void finish_running_close_handler(Fiber& f);
  std::size_t abort_everything();

  // runs and shutdown (run.cpp)
  void run_main_failed(Fiber& main, std::string traceback);
  void run_main_aborted();
  void begin_shutdown();
  void shutdown_grace_expired();
  void check_run_complete();
  bool has_live_fibers() const;
  /// A fresh root token after a shutdown; false if out of memory.
  bool renew_root_token();

  lua_State* main_L_;
  lua_State* service_ = nullptr;
  Config config_;
  Observer* lifecycle_observer_;
  Observer* run_observer_;
  std::uint64_t next_scope_number_ = 1;
  Clock clock_;
  LoopDriver loop_;
  PinTable pins_;
  ThreadPools threads_;
  ThreadGuards guards_;
  ErrorValues errors_;
  ObjectMetatables metatables_;
  ResourceRegistry resources_;
  ScopedResource* ending_ = nullptr;  // resources whose scopes wait for them
  /// The last __close error an abort reported, or the runtime's light
  /// userdata for none: a registry slot that always exists, so updating it
  /// never allocates.
  int last_close_error_ = LUA_NOREF;
  int var_contexts_ = LUA_NOREF;
  lua_State* finishing_close_thread_ = nullptr;
  int finishing_close_depth_ = 0;
  std::atomic<bool> signal_abort_{false};  // interrupt_from_signal, for the hook
  int unobserved_table_ = LUA_NOREF;   // ephemeron: handle -> sentinel
  int sentinel_metatable_ = LUA_NOREF;
  std::unique_ptr<Scope> root_;
  Fiber* running_ = nullptr;
  Preemptor preemptor_;
  // The busy fiber the watchdog paused (or whose hook fires timers): no
  // other fiber's Lua code runs until it is resumed (defer_abort).
  Fiber* watchdog_fiber_ = nullptr;
  IntrusiveList<HeldToken, &HeldToken::hook> held_tokens_;
  IntrusiveList<Fiber, &Fiber::run_hook> run_queue_;
  IntrusiveList<Fiber, &Fiber::run_hook> due_queue_;  // sleepers woken by their deadline
  DeadlineQueue deadlines_;
  // Waits completed from outside the loop's deadlines (host awaits,
  // external sites): the virtual clock does not jump while any is pending.
  std::size_t external_waits_ = 0;
  std::uint64_t next_task_number_ = 1;
  std::size_t live_tasks_ = 0;
  bool dispatching_ = false;
  bool closed_ = false;

  // The blocking run in progress (run()), if any, and shutdown state.
  RunState* run_ = nullptr;
  bool in_uv_run_ = false;  // run() is inside uv_run
  bool shutting_down_ = false;
  bool interrupted_ = false;
  bool root_renewal_pending_ = false;
  DeadlineEntry shutdown_grace_entry_;
};

}  // namespace lua_batteries::detail
