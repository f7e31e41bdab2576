// The runtime's units of execution.
//
// A Fiber is one Lua thread the scheduler resumes: a task, the body of a
// scope, or the main chunk. A Task is a fiber with an identity, a handle
// and a result. A Scope groups the tasks spawned into it under one cancel
// token and owns its body fiber. Tasks live inside their Handle userdata
// and scopes inside their Scope userdata, so Lua's collector frees them
// (without a finalizer: see Task); the runtime pins them in its pin table
// while they are live. Their constructors establish every invariant; only
// the runtime changes them afterwards.
#pragma once

#include <lua.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/cancel_token.hpp"
#include "core/deadline_queue.hpp"
#include "core/intrusive_list.hpp"
#include "lua_batteries/observer.hpp"
#include "lua_batteries/resource.hpp"
#include "lua_batteries/task.hpp"
#include "runtime/wait_site.hpp"

namespace lua_batteries::detail {

class Runtime;
struct Task;
struct Scope;

enum class FiberKind : std::uint8_t { task, body, main };

enum class FiberState : std::uint8_t {
  created,   // never resumed; its function waits in its handle (a task,
             // which gets its thread when it first runs) or on its thread
  runnable,  // on the run queue
  running,   // resumed by the scheduler right now
  waiting,   // suspended until a wake-up (see Wait)
  done,      // finished: returned, failed or aborted
};

/// What a waiting fiber waits for: the scheduler's own waits, or a
/// WaitSite of a primitive defined elsewhere (`site`).
enum class Wait : std::uint8_t { none, turn, sleep, join, scope, await, site };

/// A user coroutine entered through coroutine.resume/wrap while a fiber
/// runs. `through` says whether a suspension from inside it can travel all
/// the way out to the scheduler.
struct NestedCoroutine {
  lua_State* thread;
  bool through;
};

/// The user coroutines a fiber's code is inside, innermost last. Almost
/// always empty, so it costs one pointer until the first
/// coroutine.resume (every Task and Scope carries one).
class NestedStack {
 public:
  bool empty() const { return !items_ || items_->empty(); }
  const NestedCoroutine& back() const { return items_->back(); }
  /// May throw std::bad_alloc.
  void push_back(const NestedCoroutine& c) {
    if (!items_) items_ = std::make_unique<std::vector<NestedCoroutine>>();
    items_->push_back(c);
  }
  void pop_back() { items_->pop_back(); }
  std::size_t size() const { return items_ ? items_->size() : 0; }
  /// The i-th from the outermost (0).
  const NestedCoroutine& operator[](std::size_t i) const { return (*items_)[i]; }
  /// Frees the storage (a finished fiber needs none).
  void release() { items_.reset(); }
  bool has_storage() const { return items_ != nullptr; }

 private:
  std::unique_ptr<std::vector<NestedCoroutine>> items_;
};

/// A host bridge wait (lua_batteries::await): the awaiter while attached,
/// and the continuation to call once the wait is over.
struct AwaitCall {
  Awaiter* awaiter;
  const char* what;
  lua_KFunction k;
  lua_KContext ctx;
};

struct Fiber {
  /// A fiber of `kind` whose spawns go to `scope` (whose token governs it),
  /// running `task`'s code (null: the main chunk) on `thread` (null: a
  /// task that gets its thread when it first runs), to be resumed the
  /// first time with `start_nargs` values.
  Fiber(Runtime& rt, FiberKind kind, Scope* scope, Task* task, Driver driver, lua_State* thread, int start_nargs);
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  /// The innermost thread running this fiber's code.
  lua_State* innermost() const { return nested.empty() ? thread : nested.back().thread; }
  /// The token cancellation of this fiber's code follows.
  CancelToken* token() const;
  bool is_cancelled() const { return token()->is_cancelled(); }

  // How the host bridge wait (Awaiter, below) ended.
  enum class AwaitEnd : std::uint8_t { completed, interrupted, abandoned };

  // Ordered to leave no padding: a Fiber is in every task handle.
  Runtime& rt;
  const FiberKind kind;
  FiberState state = FiberState::created;
  Wait wait = Wait::none;
  AwaitEnd await_end = AwaitEnd::completed;
  Driver driver = Driver::async_fn;
  lua_State* thread = nullptr;  // null for a task until it first runs, and once reused
  Scope* scope = nullptr;  // spawns go here; its token governs this fiber
  Task* task = nullptr;    // the task whose code this is (null: main chunk)

  ListHook run_hook;  // the run queue or the due queue
  CancelWaiter cancel_waiter;
  DeadlineEntry sleep_entry;
  // What the current wait is for. A fiber is in one wait at a time, and
  // each member lives only for its wait, so they share storage; `wait`
  // says which one is set (end_wait switches on it). Each is null again
  // when its wait ends.
  union {
    Task* join_target = nullptr;  // Wait::join: from wait_join to end_join
    Scope* awaited_scope;         // Wait::scope: from wait_scope to release_scope
    AwaitCall await_call;         // a host bridge await (Wait::await or Wait::turn):
                                  // from await() to its continuation
    SiteWait site_wait;           // Wait::site: its site from wait_on to finish_wait or
                                  // interrupt; its node while the site's primitive keeps it
  };

  NestedStack nested;

  // A hard abort's walk (abort.cpp) links fibers through here instead of
  // a container, so that tearing down never needs memory.
  Fiber* abort_next = nullptr;

  int start_nargs = 0;
  /// A runtime suspension is unwinding from innermost() to the scheduler.
  bool suspend_pending : 1 = false;
  /// The suspension is a preemption (the slice ran out), not a wait.
  bool preempted : 1 = false;
  /// Hard abort asked while the fiber could not be torn down at once.
  bool abort_requested : 1 = false;
  /// The script got this thread (coroutine.running): it is never reused.
  bool thread_exposed : 1 = false;
  bool in_abort_walk : 1 = false;
  /// A reset runs its __close handlers: a hard abort's
  /// (Runtime::close_threads), or Lua's pending ones once its thread
  /// failed (Runtime::reset_failed_thread).
  bool cleaning_up : 1 = false;
  /// Cleanup code it runs is cut: a stop of the whole run came after its
  /// first hard abort, or the host interrupted (AbortWalk::Cleanups).
  bool cleanup_cut : 1 = false;
  // (Task's own flags fill the rest of this word.)
};

/// What a spawn settles before its Task exists (spawn_into).
struct TaskSpec {
  Driver driver;
  lua_State* thread;  // null: the task gets one when it first runs
  int pin;            // the handle's pin slot
  const char* name;   // Lua string pinned by the handle, or null
  std::size_t name_len;
};

// A Task is never destroyed: Lua frees its handle without a finalizer, as
// one per handle would cost every spawn and keep the memory for another
// collection cycle. So once a task is finished and unpinned it must own
// nothing and sit on no list (owns_nothing(), checked in debug builds):
// complete() frees its NestedStack.
struct Task : Fiber {
  Task(Runtime& rt, Scope& scope, std::uint64_t number, const TaskSpec& spec, std::uint64_t spawned_ns);

  /// Hands over the values the finished task left on its thread.
  int take_results() {
    const int n = nresults;
    nresults = 0;
    return n;
  }
  /// Nothing left to release: on no list, no deadline, no wait, no
  /// storage of its own.
  bool owns_nothing() const;

  bool started : 1 = false;
  bool joined : 1 = false;  // a join consumed the outcome
  // Where a failure was raised, for the unobserved-error report: a Lua
  // string under the error on the dead thread's stack (index 1), so that a
  // handle Lua collects without running its finalizer (Lua skips one it
  // cannot call, e.g. for lack of stack) leaves no C++ memory behind.
  bool has_traceback : 1 = false;
  // The one value the task returned is its handle's first user value, not
  // on its thread (Runtime::hold_result): the thread went back to its pool.
  bool result_held : 1 = false;
  Outcome outcome : 8 = Outcome::returned;  // a byte: fits beside the flags
  int nresults = 0;         // values left on the finished thread's stack
  int pin;                  // the handle's pin slot while pinned (PinTable)
  std::uint64_t number;
  const char* name;         // Lua string pinned by the handle, or null
  std::size_t name_len;
  std::uint64_t spawned_ns;
  std::uint64_t finished_ns = 0;
  Fiber* joiner = nullptr;
  ListHook scope_hook;  // Scope::live or Scope::unjoined_failures

  TaskEvent event() const;

  /// A task gets its thread when it first runs. One that failed then, for
  /// lack of memory for a thread, has no thread to hold its error value;
  /// its error is Lua's memory error message.
  static constexpr const char* kErrorWithoutThread = "not enough memory";
};
// Every sleeping task costs its handle: Lua's userdata header plus a Task,
// rounded up by malloc in 16-byte steps. A new field here should pay for
// itself.
static_assert(sizeof(void*) != 8 || sizeof(Task) <= 240, "Task grew past 240 bytes on a 64-bit build");

enum class ScopeKind : std::uint8_t { root, scope, with_timeout };

/// What opening a scope settles before its Scope exists (open_scope).
struct ScopeSpec {
  ScopeKind kind;
  int pin;                  // the scope object's pin slot
  lua_State* body_thread;   // holds the body function and the scope object
  const char* name;         // Lua string pinned by the scope object, or null
  std::size_t name_len;
  double timeout_ms;        // with_timeout
  double grace_ms;
  /// The scope's token is a root of its own instead of a child of the
  /// opener's (task.shield): cancellation from outside does not reach in.
  bool detached;
  /// task.scope's options (std-task-coordination section 7).
  bool fail_fast;
  CancelToken* linked;  // opts.token: cancelling it cancels the scope; may be null
};

/// What a fail-fast scope keeps of its first failed child.
enum class FirstFailure : std::uint8_t {
  none,
  value,          // its error value, the scope object's user value 4
  out_of_memory,  // it failed for lack of a thread: Lua's memory error
};

struct Scope {
  /// The root scope of `rt`. May throw std::bad_alloc (its token).
  explicit Scope(Runtime& rt);
  /// A scope `opener` opens: its token is a child of opener's, its body
  /// runs opener's task code with the opener's driver. May throw
  /// std::bad_alloc (its token).
  Scope(Runtime& rt, Fiber& opener, const ScopeSpec& spec);
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

  ScopeEvent event() const;
  bool accepts_spawns() const { return !closed && !aborting; }
  void add_live(Task& t) {
    live.push_back(t);
    ++live_count;
  }
  static void remove_live(Scope& s, Task& t) {
    t.scope_hook.unlink();
    --s.live_count;
  }
  /// Its body and tasks are done (the resources it ends may still be
  /// ending: see is_settled).
  bool is_done() const { return (kind == ScopeKind::root || body.state == FiberState::done) && live_count == 0; }
  bool is_settled() const { return is_done() && ending_resources == 0; }
  /// A closed scope drops its token, so that it owns no C++ memory once
  /// closed: like a Task, a Scope in a scope object is never destroyed
  /// (Lua frees the object without a finalizer). What the token said stays
  /// in cancelled_when_closed (scope:token() and :cancel() use it).
  void release_token() {
    cancelled_when_closed = token->is_cancelled();
    token.reset();
    link_waiter.unregister();
    linked.reset();
  }
  /// scope:cancel(). False if the scope is closed: the caller then cancels
  /// the scope's CancelToken object, if one was made.
  bool cancel() {
    if (token) {
      token->cancel();
      return true;
    }
    cancelled_when_closed = true;
    return false;
  }
  /// As Task::owns_nothing: what a closed, released scope must be.
  bool owns_nothing() const;

  /// In a scope object, its address xor the objects' tag: the fast type
  /// check of the methods (lua/scope_object.cpp).
  std::uintptr_t tag = 0;
  Runtime& rt;
  const ScopeKind kind;
  TokenRef token;
  const char* name;         // Lua string pinned by the scope object, or null
  std::size_t name_len;
  std::uint64_t opener_task;  // the number of the task that opened it, 0: none
  std::uint64_t number;       // ScopeEvent::number: 0 for the root, then 1, 2, ...
  std::uint64_t parent;       // the number of the scope it opened in

  IntrusiveList<Task, &Task::scope_hook> live;
  std::size_t live_count = 0;
  IntrusiveList<Task, &Task::scope_hook> unjoined_failures;
  /// The resources created in it (lua_batteries::attach_to_scope), ended
  /// when it is done; how many of them it still waits for.
  ScopedResource* resources = nullptr;
  std::size_t ending_resources = 0;
  bool ending_in_progress = false;  // inside end_resources

  Fiber body;
  Fiber* caller = nullptr;  // waits for the scope to settle
  bool closed = false;      // settled: no more spawns
  bool cancelled_when_closed = false;
  bool aborting = false;    // being torn down by a hard abort: no more spawns
  bool expiring = false;    // its grace window is running out right now
  Outcome body_outcome = Outcome::returned;
  int body_nresults = 0;
  int pin;                  // the scope object's pin slot while open (PinTable)
  std::uint64_t opened_ns = 0;  // when its body was queued (start_scope)

  // task.scope's options: the first failed child cancels the scope, which
  // raises its error (fail_fast); a token whose cancel cancels the scope's
  // (linked, through link_waiter), held until the scope closes.
  bool fail_fast = false;
  FirstFailure first_failure = FirstFailure::none;
  TokenRef linked;
  CancelWaiter link_waiter;

  // with_timeout
  double timeout_ms;
  double grace_ms;
  bool deadline_hit = false;
  bool grace_running = false;
  DeadlineEntry deadline_entry;
  DeadlineEntry grace_entry;
};

// Inline (here, once Scope is complete): every wait registers with it.
inline CancelToken* Fiber::token() const { return scope->token.get(); }

}  // namespace lua_batteries::detail
