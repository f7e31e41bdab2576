// lua-batteries: lifecycle events of std.task (spec section 5).
//
// A host installs one Observer through Config::observer. Every callback is
// made on the loop thread, outside any running Lua code, and must not call
// into the Lua state. Strings are valid only during the call.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "lua_batteries/task.hpp"

namespace lua_batteries {

/// How a task ended.
enum class Outcome { returned, failed, cancelled, aborted };

/// "returned", "failed", "cancelled" or "aborted".
const char* outcome_name(Outcome outcome);

/// A task as observers see it. `number` is N of the id "t<N>".
struct TaskEvent {
  std::uint64_t number = 0;
  std::string_view name;  ///< empty when the task has no name
  bool has_name = false;
  Driver driver = Driver::async_fn;
  /// Number of the scope it was spawned into (ScopeEvent::number).
  std::uint64_t scope = 0;
};

/// A scope as observers see it.
struct ScopeEvent {
  enum class Kind { root, scope, with_timeout };
  Kind kind = Kind::scope;
  std::string_view name;  ///< empty when unnamed
  /// The task whose code opened the scope; number 0 for the main chunk.
  std::uint64_t opener_task = 0;
  /// Its number, 1, 2, ... in the order scopes open; 0 is the root scope.
  std::uint64_t number = 0;
  /// Number of the scope it opened in (the innermost scope around the
  /// opener's code); 0 for the root scope and for scopes opened in it.
  std::uint64_t parent = 0;
};

/// Whose code a resume runs (Observer::fiber_resumed and the events after
/// it): a task's own code, a scope body (which is the code of the task
/// that opened the scope), or the main chunk's.
struct RunEvent {
  /// The task whose code it is; number 0 (and no name) for the main chunk
  /// and for the bodies of scopes it opened.
  TaskEvent task;
  /// A scope body: that scope's number; 0 for a task or the main chunk.
  std::uint64_t body_of = 0;
};

/// Why a resume ended: what the fiber waits for now, or that it finished.
struct WaitEvent {
  enum class Kind {
    finished,   ///< returned, failed or was aborted while running
    preempted,  ///< time slicing suspended it; it is runnable again
    turn,       ///< task.yield or a bridge's turn: runnable again
    sleep,      ///< task.sleep (and the waits built on it)
    join,       ///< handle:join(); `target` is the task's number
    scope,      ///< waiting for a scope it opened; `target` is its number
    bridge,     ///< a host bridge operation: `what` ("process.run"), `detail`
    site,       ///< a channel, event, semaphore, select or I/O wait: `what`
  };
  Kind kind = Kind::finished;
  /// A short static name of the wait ("sleep", "join", "channel receive",
  /// "process.run"); empty for finished, preempted and turn.
  std::string_view what;
  /// What a bridge operation says of itself ("'make' (pid 4121)"); else empty.
  std::string_view detail;
  std::uint64_t target = 0;
  /// sleep: when it is due, in ms since the runtime started (virtual under
  /// Config::virtual_time); else 0.
  double until_ms = 0;
};

/// A grace window that ran out, just before what is left is hard-aborted.
struct GraceExpiry {
  /// The with_timeout (or failed scope) whose window ran out; null for a
  /// runtime shutdown (Ctrl-C, a main chunk error).
  const ScopeEvent* scope = nullptr;
  /// The window that was given, in ms; 0 when none was (grace_ms = 0: the
  /// hard abort was the promise, not a failure to finish in time).
  double grace_ms = 0;
  /// Who is about to be hard-aborted and where: one line per fiber, as
  /// DumpForm::brief ("t3 (slow): sleeping, 900.0 ms left, at slow.lua:7").
  std::string_view who;
  /// The task-tree dump (DumpForm::full) of what is about to be aborted.
  std::string_view dump;
};

/// One std.log record, with the context of the code that logged it.
struct LogRecord {
  LogLevel level = LogLevel::info;
  /// The formatted message (fmt and its arguments, then " key=value" for a
  /// trailing data table).
  std::string_view message;
  /// Milliseconds since the runtime started (virtual under
  /// Config::virtual_time).
  double time_ms = 0;
  /// The task whose code logged (also inside scope bodies and coroutines
  /// it runs); null in the main chunk and outside any run.
  const TaskEvent* task = nullptr;
  /// The innermost scope that code runs in; null outside any run.
  const ScopeEvent* scope = nullptr;
  /// Where the record comes from: "lua" for std.log (the reference's log
  /// target); a host logging through the same sink may use its own.
  std::string_view target = "lua";
};

/// "[  12.3 ms t7 fetch] info: message" (the main chunk is "main"): the
/// runner's format, for hosts that want the same.
std::string format_log_record(const LogRecord& record);

/// Lifecycle events of a runtime. Called on the loop thread from inside the
/// scheduler (and unobserved_error also from a finalizer, at any
/// allocation): a method must not throw, call into the Lua state, or
/// assume memory is available (a report may come because it ran out).
class Observer {
 public:
  virtual ~Observer() = default;

  /// False: the runtime skips the per-task and per-scope events
  /// (task_spawned, task_started, task_finished, scope_opened,
  /// scope_closed), which it would otherwise build on every spawn and
  /// scope, and makes only the rest. Read once, when std.task is
  /// registered.
  virtual bool wants_lifecycle_events() const { return true; }
  /// True: the runtime reports every resume of a fiber (fiber_resumed,
  /// fiber_suspended) and every cancellation that reaches a waiting one
  /// (fiber_cancelled). Off by default: with no observer wanting them a
  /// resume costs one predictable branch more. Read once, when std.task is
  /// registered.
  virtual bool wants_run_events() const { return false; }

  virtual void task_spawned(const TaskEvent&) {}
  virtual void task_started(const TaskEvent&) {}
  /// `error_text` is the error's text for Outcome::failed, else empty.
  virtual void task_finished(const TaskEvent&, Outcome, std::string_view error_text) {}
  virtual void scope_opened(const ScopeEvent&) {}
  /// The scheduler is about to run `fiber`'s code (run events).
  virtual void fiber_resumed(const RunEvent& fiber) {}
  /// The code resumed by the last fiber_resumed gave the loop back: it
  /// waits for `wait`, or has finished (run events).
  virtual void fiber_suspended(const RunEvent& fiber, const WaitEvent& wait) {}
  /// A cancellation reached `fiber` while it waited; it runs next to
  /// raise `task cancelled` (or, for a deferred bridge, to clean up).
  /// Made where the cancel happened: often inside the Lua call that
  /// cancelled (scope:cancel()), which, as for log, must not be called
  /// back into.
  virtual void fiber_cancelled(const RunEvent& fiber) {}
  virtual void scope_closed(const ScopeEvent&) {}
  /// A with_timeout deadline passed; its grace window starts.
  virtual void deadline_hit(const ScopeEvent&, double deadline_ms) {}
  /// A grace window ran out and `hard_aborted` tasks (and bodies) were
  /// hard-aborted. `scope` is null for a runtime shutdown.
  virtual void grace_expired(const ScopeEvent* scope, std::size_t hard_aborted) {}
  /// A grace window ran out and something is still running: called
  /// before the hard abort (then grace_expired follows), so that a report
  /// can say what was left and where it was.
  virtual void grace_expiring(const GraceExpiry&) {}
  /// A task failed with an error other than a cancellation or an abort and
  /// nobody had joined it when its scope ended (for a root-scope task: when
  /// its handle became garbage, at the end of the run, or at once with
  /// Config::report_failures_at_once). `traceback` is where it was raised.
  virtual void unobserved_error(const TaskEvent&, std::string_view error_text,
                                std::string_view traceback) {}
  /// The main chunk of a blocking run raised: `error_text` holds the error
  /// and its traceback (the same text as RunResult::message). Called before
  /// the root scope is cancelled and its grace window starts, so that a
  /// runner can show the error at once.
  virtual void main_chunk_failed(std::string_view error_text) {}
  /// A __close handler raised while a task or body was being hard-aborted;
  /// the remaining handlers still ran. `task` is null outside any task.
  virtual void close_error(const TaskEvent* task, std::string_view error_text) {}
  /// A std.log record at or above Config::log_level. Unlike the other
  /// events it is made while the logging Lua code runs (inside the
  /// std.log call); like them it must not call into the Lua state.
  virtual void log(const LogRecord&) {}
};

}  // namespace lua_batteries
