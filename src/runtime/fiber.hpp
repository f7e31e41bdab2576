// The runtime's units of execution.
//
// A Fiber is one Lua thread the scheduler resumes: a task, the body of a
// scope, or the main chunk. A Task is a fiber with an identity, a handle
// and a result. A Scope groups the tasks spawned into it under one cancel
// token and owns its body fiber. Tasks live inside their Handle userdata
// and scopes inside their Scope userdata, so Lua's collector frees them
// (without a finalizer: see Task); the runtime pins them in its pin table
// while they are live.
#pragma once

#include <lua.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/cancel_token.hpp"
#include "core/deadline_queue.hpp"
#include "core/intrusive_list.hpp"
#include "core/wait_queue.hpp"
#include "lua_batteries/observer.hpp"
#include "lua_batteries/task.hpp"

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

/// What a waiting fiber waits for.
/// `queue`: in a coordination primitive's queue, through wait_node.
enum class Wait : std::uint8_t { none, turn, sleep, join, scope, await, queue };

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
  /// Frees the storage (a finished fiber needs none).
  void release() { items_.reset(); }

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
  Fiber(Runtime& rt, FiberKind kind);
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
    Task* join_target = nullptr;  // Wait::join: from wait_join to after_join
    Scope* awaited_scope;         // Wait::scope: from wait_scope to release_scope
    AwaitCall await_call;         // a host bridge await (Wait::await or Wait::turn):
                                  // from await() to its continuation
    WaitNode wait_node;           // Wait::queue: from Runtime::wait_queue until the
                                  // primitive's continuation has read it
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
  // (Task's own flags fill the rest of this word.)
};

// A Task is never destroyed: Lua frees its handle without a finalizer (one
// per handle cost about 500 instructions per task and kept the memory for
// another collection cycle). So once a task is finished and unpinned it
// must own nothing and sit on no list: complete() frees its NestedStack.
struct Task : Fiber {
  Task(Runtime& rt, Scope& scope, std::uint64_t number, Driver driver);

  bool started : 1 = false;
  bool joined : 1 = false;  // a join consumed the outcome
  // Where a failure was raised, for the unobserved-error report: a Lua
  // string under the error on the dead thread's stack (index 1), so that a
  // handle Lua collects without running its finalizer (Lua skips one it
  // cannot call, e.g. for lack of stack) leaves no C++ memory behind.
  bool has_traceback : 1 = false;
  Outcome outcome : 8 = Outcome::returned;  // a byte: fits beside the flags
  int nresults = 0;         // values left on the finished thread's stack
  int pin = LUA_NOREF;      // the handle's pin slot while pinned (Runtime::pin)
  std::uint64_t number;
  const char* name = nullptr;  // Lua string pinned by the handle
  std::size_t name_len = 0;
  std::uint64_t spawned_ns = 0;
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
// rounded up by malloc in 16-byte steps (a 1M-sleeper run feels every
// step). A new field here should pay for itself.
static_assert(sizeof(void*) != 8 || sizeof(Task) <= 240, "Task grew past 240 bytes on a 64-bit build");

enum class ScopeKind : std::uint8_t { root, scope, with_timeout };

struct Scope {
  Scope(Runtime& rt, ScopeKind kind, CancelToken* parent_token);
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
  bool is_settled() const { return (kind == ScopeKind::root || body.state == FiberState::done) && live_count == 0; }
  /// A closed scope drops its token, so that it owns no C++ memory once
  /// closed: like a Task, a Scope in a scope object is never destroyed
  /// (Lua frees the object without a finalizer). What the token said stays
  /// in cancelled_when_closed (scope:token() and :cancel() use it).
  void release_token() {
    cancelled_when_closed = token->is_cancelled();
    token.reset();
  }

  Runtime& rt;
  const ScopeKind kind;
  TokenRef token;
  const char* name = nullptr;  // Lua string pinned by the scope object
  std::size_t name_len = 0;
  std::uint64_t opener_task = 0;

  IntrusiveList<Task, &Task::scope_hook> live;
  std::size_t live_count = 0;
  IntrusiveList<Task, &Task::scope_hook> unjoined_failures;

  Fiber body;
  Fiber* caller = nullptr;  // waits for the scope to settle
  bool closed = false;      // settled: no more spawns
  bool cancelled_when_closed = false;
  bool aborting = false;    // being torn down by a hard abort: no more spawns
  bool expiring = false;    // its grace window is running out right now
  Outcome body_outcome = Outcome::returned;
  int body_nresults = 0;
  int pin = LUA_NOREF;      // the scope object's pin slot while open (Runtime::pin)

  // with_timeout
  double timeout_ms = 0;
  double grace_ms = 0;
  bool deadline_hit = false;
  bool grace_running = false;
  DeadlineEntry deadline_entry;
  DeadlineEntry grace_entry;
};

}  // namespace lua_batteries::detail
