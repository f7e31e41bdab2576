// The scheduler: one per Lua state, driven by one libuv loop.
//
// libuv callbacks only mark fibers runnable; dispatch() is the one place
// that resumes coroutines, always from the loop, never nested inside
// another fiber's resume. A suspending std.task function records what its
// fiber waits for and yields; wake-ups (timers, cancellation, completions)
// end that wait and queue the fiber again.
#pragma once

#include <lua.hpp>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/cancel_token.hpp"
#include "core/deadline_queue.hpp"
#include "core/intrusive_list.hpp"
#include "core/pointer_set.hpp"
#include "runtime/fiber.hpp"
#include "runtime/preempt.hpp"
#include "runtime/resource_registry.hpp"

namespace lua_batteries::detail {

/// Registry slots of the Lua objects the runtime needs on hot paths.
struct LuaRefs {
  int handle_mt = LUA_NOREF;
  int scope_mt = LUA_NOREF;
  int token_mt = LUA_NOREF;
  int cancelled_error = LUA_NOREF;
  int aborted_error = LUA_NOREF;
  int joined_error = LUA_NOREF;
  int service_thread = LUA_NOREF;
  /// The last __close error an abort reported, or the runtime's light
  /// userdata for none. Always set, so updating it never allocates.
  int last_close_error = LUA_NOREF;
  int pins = LUA_NOREF;         // array of pinned handles and scope objects (Runtime::pin)
  int exposed_threads = LUA_NOREF;  // weak-keyed set of fiber threads the script got (expose_thread)
  /// lua_topointer of the shared cancellation error: the error most
  /// fibers fail with is recognised without a metatable lookup.
  const void* cancelled_error_object = nullptr;
};

/// Finished fiber threads kept for reuse: a table in the registry whose
/// array slots [1, count] hold threads, or nil where the collector freed
/// one (a weak pool). The array has `size` slots, so that storing into it
/// never allocates; it doubles, up to `capacity`, while live tasks
/// outnumber the slots of both pools.
struct ThreadPool {
  int table = LUA_NOREF;
  int size = 0;
  int count = 0;
  int capacity = 0;
};
/// Threads the runtime keeps for as long as it lives (about 1 KiB each),
/// and the size their pool starts at.
constexpr int kKeptThreadsCapacity = 8192;
constexpr int kKeptThreadsInitialSize = 1024;
/// Threads it keeps beyond those only until the collector's next cycle
/// ends: after a fan-out of tasks alive together (sleepers, say), enough
/// for the next fan-out to reuse them rather than make as many new ones
/// while the old ones become garbage.
constexpr int kSpareThreadsCapacity = 65536 - kKeptThreadsCapacity;

class Runtime {
 public:
  Runtime(lua_State* L, uv_loop_t* loop, const Config& config);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// The runtime installed in L's state, or null. [-0, +0, -]
  static Runtime* from(lua_State* L);
  void set_service_thread(lua_State* service);

  // --- identity and configuration
  /// A thread of the runtime's own for protected calls made from the loop.
  lua_State* service() const { return service_; }
  const Config& config() const { return config_; }
  Observer* observer() const { return config_.observer; }
  /// The observer, if it wants the per-task and per-scope events.
  Observer* lifecycle_observer() const { return lifecycle_observer_; }
  LuaRefs refs;
  /// OS resources of host bridges (lua_batteries::own); close() ends them.
  ResourceRegistry resources;
  bool is_closed() const { return closed_; }
  /// Starts preemption when Config::slice_ms asks for it; call on the loop
  /// thread. Returns null, or a static error message.
  const char* start_preemption() { return preemptor_.start(config_.slice_ms, config_.preempt_signal); }
  Preemptor& preemptor() { return preemptor_; }
  /// The scheduler's clock: uv_hrtime(), or the virtual clock.
  std::uint64_t now_ns() const { return config_.virtual_time ? virtual_now_ns_ : uv_hrtime(); }
  /// Unix time in microseconds that matches now_ns() (the virtual clock
  /// starts at the wall time of the runtime's creation).
  std::int64_t wall_clock_us() const;

  // --- scheduling
  Fiber* running() const { return running_; }
  /// The fiber that code on thread L may suspend, or null where it cannot
  /// (a C boundary, a thread the runtime does not drive, a __close handler
  /// run by an abort).
  Fiber* suspendable_fiber(lua_State* L) const;
  /// Yields L to the scheduler; `f.wait` must be set. [-0, +0, -] (yields)
  int suspend(lua_State* L, Fiber& f, lua_KFunction k, lua_KContext ctx);
  void wait_turn(Fiber& f) { f.wait = Wait::turn; }
  /// May throw std::bad_alloc (the deadline queue grows).
  void wait_sleep(Fiber& f, std::uint64_t due_ns);
  void wait_join(Fiber& f, Task& target);
  void wait_scope(Fiber& f, Scope& scope);
  void wait_await(Fiber& f, Awaiter& awaiter);
  /// Ends f's wait as interrupted (cancellation) and queues it; no effect
  /// unless f is waiting.
  void wake(Fiber& f);
  /// A cancellation reached f waiting for an Awaiter of
  /// CancelMode::deferred: the bridge is told, f keeps waiting, and its
  /// continuation raises `task cancelled`.
  void defer_cancel(Fiber& f);
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
  /// Starts or stops the idle and timer handles to match the run queue
  /// and the deadline queue.
  void sync_loop_handles();
  void on_awaiter_completed(Awaiter& awaiter);
  /// The continuation of f's await runs: the Awaiter is the bridge's again.
  void detach_awaiter(Fiber& f);
  void on_awaiter_destroyed(Awaiter& awaiter);

  // --- fibers, tasks and scopes
  Scope& root_scope() { return *root_; }
  std::uint64_t next_task_number() { return next_task_number_++; }
  /// Tasks spawned and not yet finished, in every scope (Config::max_tasks).
  std::size_t live_tasks() const { return live_tasks_; }
  /// Links a new task into its scope and queues it.
  void task_spawned(Task& t);
  /// Starts a scope's deadline (with_timeout). May throw std::bad_alloc.
  void arm_deadline(Scope& s, double timeout_ms);
  void forget_deadlines(Scope& s);
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
    /// Adds f and, once run, everything it waits for. Roots go in the
    /// order given.
    void add_root(Fiber& f);
    std::size_t run(Runtime& rt);

   private:
    Fiber* roots_ = nullptr;  // reversed: the last added first
  };
  /// The caller of `s` stopped waiting for it: drop its pin.
  void release_scope(Scope& s);
  /// A join consumed t's outcome.
  void mark_joined(Task& t);
  /// Drops the runtime's pin on a finished task's handle.
  void unpin(Task& t);

  // --- pins: a live task's handle (or a failed one's, until its error is
  // observed) and an open scope's object sit in a slot of the runtime's pin
  // table, out of the collector's reach. As with luaL_ref, a free slot
  // holds the next free one, but the head of that list is a C++ field
  // rather than another table entry: two table operations fewer per pin
  // and unpin (about 120 of 540 instructions), and no memory of its own.
  /// [-0, +0, m] Pins the value at `index` of L; returns its slot.
  int pin(lua_State* L, int index);
  /// Frees `slot`; never raises, never allocates (uses the main thread's
  /// stack, as luaL_unref would).
  void drop_pin(int slot);

  // --- fiber threads: a fiber that returned hands its thread to the next
  // fiber, unless the script got hold of it (coroutine.running), so most
  // spawns and scopes create no thread and leave no garbage.
  /// Pushes a thread for a new fiber onto L: a kept one or a new one.
  /// [-0, +1, m]
  lua_State* push_fiber_thread(lua_State* L);
  /// Grows the pools while live tasks outnumber their slots. Called where
  /// raising is allowed (a spawn), so that recycle_thread never has to.
  /// [-0, +0, m]
  void make_room_for_threads(lua_State* L);
  /// Creates the two pools: kept_threads_ and spare_threads_, which holds
  /// its threads weakly. [-0, +0, m]
  void create_thread_pools(lua_State* L);
  /// Doubles a pool's table, up to its capacity, so that recycle_thread
  /// (which must not allocate) finds room. [-0, +0, m]
  static void grow_thread_pool(lua_State* L, ThreadPool& pool);
  /// Takes a thread from the pool onto L's stack, or returns null (and
  /// pushes nothing) when the pool has none left. [-0, +(0|1), -]
  static lua_State* take_pooled_thread(lua_State* L, ThreadPool& pool);
  /// take_pooled_thread from the spare pool, else the kept one.
  lua_State* take_idle_thread(lua_State* L);
  /// Keeps f's finished, empty thread for reuse if the script never saw it
  /// and there is room. On success f.thread becomes null. Never raises.
  bool recycle_thread(Fiber& f);
  /// Gives a task that is about to run for the first time its thread (a
  /// pooled one or a new one), with its function, which its handle held
  /// until now, on it. False when there is no memory for one. Never raises.
  bool start_thread(Task& t);

  // --- guarded threads: the script may not resume or close a fiber thread
  // it got hold of, nor one of its own coroutines parked inside a task's
  // suspension. Parked coroutines sit in a set for as long as they are
  // parked. A fiber thread the script can reach only through
  // coroutine.running (short of the debug library), which records it in a
  // weak-keyed table: the entry goes when the thread does, so no task needs
  // a finalizer to take it out, and spawns pay nothing (a set of every
  // live fiber thread cost two cache misses per task at 100 000 tasks).
  /// [-0, +0, m] Whether `co`, at `co_index` of L, is guarded.
  bool is_guarded(lua_State* L, lua_State* co, int co_index);
  /// [-0, +0, m] Records that the script holds f's thread, L.
  void expose_thread(lua_State* L, Fiber& f);
  void guard_parked(lua_State* co) { parked_.insert(co); }
  void unguard_parked(lua_State* co) { parked_.erase(co); }
  /// lua_resetthread with the thread marked as closing, so that its
  /// __close handlers cannot suspend. Returns Lua's status.
  int reset_thread(lua_State* co);
  bool is_closing_thread(lua_State* co) const;

  // --- host entries
  struct RunState {
    Fiber* main = nullptr;
    RunResult result;
    bool complete = false;
  };
  RunResult run(lua_State* L, int nargs);
  void request_shutdown();
  void abort_all();
  /// Tears everything down; the runtime stays unusable afterwards.
  void close();

  // --- reports
  /// tostring(v) for the value at `index` of thread `from`, computed in
  /// protected mode; never raises.
  std::string describe(lua_State* from, int index);
  /// describe() of a failed task's error; never raises.
  std::string describe_error(const Task& t);
  /// The traceback of a (dead) thread, taken in protected mode.
  std::string traceback_of(lua_State* thread);
  /// [-0, +(1|0) on service(), -] The traceback of `thread` as a Lua
  /// string left on the service thread; false (nothing left) on failure.
  bool push_traceback_of(lua_State* thread);
  /// Reports the error at `index` of L as a __close error of f, unless it
  /// was the last one reported (used by the hook of an abort's reset).
  void note_close_error(Fiber& f, lua_State* L, int index);

  // --- callbacks of the entries and waiters embedded in fibers and scopes
  static void on_sleep_due(DeadlineEntry& entry);
  static void on_deadline_due(DeadlineEntry& entry);
  static void on_grace_due(DeadlineEntry& entry);
  static void on_shutdown_grace_due(DeadlineEntry& entry);
  static void on_cancelled(CancelWaiter& waiter);

 private:
  struct LoopHandles;
  static void on_idle(uv_idle_t* idle);
  static void on_timer(uv_timer_t* timer);
  void close_loop_handles();

  // scheduling (runtime.cpp)
  void dispatch();
  void resume(Fiber& f);
  void fire_due(std::uint64_t now);
  void sync_virtual_timer();
  bool has_runnable() const { return !run_queue_.empty() || !due_queue_.empty(); }
  void detached_awaiter() { --outstanding_awaits_; }
  void end_wait(Fiber& f, Interruption why);

  // how fibers end and scopes settle (lifecycle.cpp)
  void finish_returned(Fiber& f, int nresults);
  void finish_failed(Fiber& f);
  void finish_stray_yield(Fiber& f);
  void complete(Fiber& f, Outcome outcome);
  void body_completed(Scope& s, Outcome outcome);
  void settle(Scope& s);
  void start_grace(Scope& s);
  void expire_grace(Scope& s);
  void report_unjoined(Scope& s);

  // hard abort (abort.cpp)
  bool finalize_abort(Fiber& f);
  void close_threads(Fiber& f);
  void reset_reporting_errors(Fiber& f, lua_State* thread);
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
  lua_State* service_;
  uv_loop_t* loop_;
  Config config_;
  Observer* lifecycle_observer_;
  LoopHandles* handles_;
  std::unique_ptr<Scope> root_;
  Fiber* running_ = nullptr;
  Preemptor preemptor_;
  IntrusiveList<Fiber, &Fiber::run_hook> run_queue_;
  IntrusiveList<Fiber, &Fiber::run_hook> due_queue_;  // sleepers woken by their deadline
  DeadlineQueue deadlines_;
  std::uint64_t armed_due_ = UINT64_MAX;
  // Virtual clock (config_.virtual_time): the current reading, the readings
  // of both clocks when it started, and how many fibers wait for an
  // Awaiter (the clock does not jump while one does).
  std::uint64_t virtual_now_ns_ = 0;
  std::uint64_t virtual_origin_ns_ = 0;
  std::int64_t wall_origin_us_ = 0;
  std::size_t outstanding_awaits_ = 0;
  PointerSet parked_;
  bool threads_exposed_ = false;  // expose_thread has recorded a thread
  // Threads being reset, innermost first: nodes on reset_thread's stack,
  // so marking a thread needs no memory.
  struct ClosingThread {
    lua_State* thread;
    ClosingThread* outer;
  };
  ClosingThread* closing_threads_ = nullptr;
  ThreadPool kept_threads_{.capacity = kKeptThreadsCapacity};
  ThreadPool spare_threads_{.capacity = kSpareThreadsCapacity};
  int pin_slots_ = 0;  // pin table slots [1, pin_slots_] have been used
  int free_pin_ = 0;   // the first free slot (each holds the next), 0: none
  std::uint64_t next_task_number_ = 1;
  std::size_t live_tasks_ = 0;
  bool dispatching_ = false;
  bool closed_ = false;

  // The blocking run in progress (run()), if any, and shutdown state.
  RunState* run_ = nullptr;
  bool shutting_down_ = false;
  bool interrupted_ = false;
  bool root_renewal_pending_ = false;
  DeadlineEntry shutdown_grace_entry_;
};

}  // namespace lua_batteries::detail
