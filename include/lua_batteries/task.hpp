// lua-batteries: structured concurrency for Lua 5.4 on a libuv loop.
//
// Host API of the std.task module (spec section 4). A host owns a lua_State
// and a uv_loop_t; it installs the module with register_task/register_with,
// then either drives its own loop (uv_run) or uses the blocking run_*
// entries, which run a chunk as the main chunk until it and every task of
// the root scope are done.
//
// Threading: everything here belongs to the thread that drives the loop.
// With preemption on (the default watchdog, or Config::slice_ms), register
// on that thread too: the runtime's timer measures and signals the thread
// that registered it.
//
// Lifetime: the runtime lives inside the Lua state. lua_close (or shutdown)
// hard-aborts every live task, runs its pending __close handlers and closes
// the runtime's libuv handles; their memory is released by libuv's close
// callbacks, so run the loop once more (uv_run(loop, UV_RUN_NOWAIT)) before
// uv_loop_close, as with any libuv handle owner. Close the Lua state before
// the loop.
#pragma once

#include <lua.hpp>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lua_batteries/limits.hpp"
#include "lua_batteries/policy.hpp"

namespace lua_batteries {

namespace detail {
struct Fiber;
class Runtime;
class CancelToken;
}  // namespace detail

class Observer;

/// How a task's function is driven (spec "Drivers").
enum class Driver { async_fn, coroutine };

/// Name of a driver as Lua sees it: "async_fn" or "coroutine".
const char* driver_name(Driver driver);
/// The driver a name stands for, as spawn's opts.driver and the runner's
/// --driver accept it ("async_fn", "async", "coroutine"); nullopt for any
/// other name.
std::optional<Driver> parse_driver(std::string_view name);

/// Severity of a log record (std.log), least severe first; `off` as a
/// threshold lets nothing through.
enum class LogLevel { trace, debug, info, warn, error, off };

/// "trace", "debug", "info", "warn", "error" or "off".
const char* log_level_name(LogLevel level);
/// The level a name stands for (as above); nullopt for any other name.
std::optional<LogLevel> parse_log_level(std::string_view name);

/// Runtime configuration. The library reads no environment variables; the
/// host maps its own settings onto this.
struct Config {
  /// Driver of std.task.spawn when opts.driver is absent.
  Driver default_driver = Driver::async_fn;
  /// Grace window of with_timeout (and of the shutdown entries below) when
  /// the caller gives none, in milliseconds. 0 means hard abort at once.
  double grace_ms = 1000;
  /// Receives lifecycle events; not owned, must outlive the Lua state.
  Observer* observer = nullptr;
  /// Preemption (docs/design.md, "Preemption") has three modes:
  ///
  ///  - the watchdog (the default: slice_ms == 0, watchdog == true). Lua
  ///    code between two suspension points is never interleaved with
  ///    other Lua code of the same state. A busy fiber still cannot defeat
  ///    a deadline: a CPU-time timer of the loop thread ticks every
  ///    millisecond of CPU the loop uses; at the first tick after a
  ///    deadline passed, the scheduler fires what is due without leaving
  ///    the busy code (sleepers are queued, a with_timeout deadline
  ///    records its cancellation, seen at the next suspension point), and
  ///    a hard abort that concerns the busy code (grace window over, second
  ///    Ctrl-C, shutdown grace over) stops it there: it unwinds, its
  ///    __close handlers run, and where Lua cannot yield (a sort
  ///    comparator, a gsub callback) the abort is raised as an error, again
  ///    at every tick, until it has unwound. Every 10 ms of CPU in one
  ///    resume the busy fiber also hands the loop one turn of I/O polling
  ///    (Ctrl-C, host completions) and is resumed first afterwards; no
  ///    other fiber runs, and a hard abort of other fibers (their __close
  ///    handlers) waits until the busy one suspends or ends.
  ///  - time slicing (slice_ms > 0): as the watchdog, and besides, Lua code
  ///    that runs slice_ms of CPU without suspending is suspended at the
  ///    next point where Lua can yield and goes to the back of the run
  ///    queue, so other tasks run in the middle of its statements. Two
  ///    tasks each running `local c = counter; c = c + 1; counter = c` lose
  ///    updates. For CPU-bound tasks that share nothing and must progress
  ///    side by side.
  ///  - off (slice_ms == 0, watchdog == false): no timer, no signal
  ///    handler; a busy loop holds the thread until it suspends, deadlines
  ///    and hard aborts reach it only then (lua_batteries::interrupt still
  ///    stops it: it needs no timer). One exception: while a report
  ///    converts an error value that has a metatable to text (its
  ///    __tostring, which has a budget of 100 ms), the watchdog's timer
  ///    and handler run, so that a script cannot hang the report by
  ///    removing the budget's hook.
  double slice_ms = 0;
  /// See slice_ms; ignored when slice_ms > 0.
  bool watchdog = true;
  /// The real-time signal the loop thread's CPU-time timer sends it while
  /// preemption (slicing or the watchdog) is on; 0 means SIGRTMIN + 3. The handler is installed
  /// when the first runtime starts preemption (registration fails if the
  /// signal already has a handler) and the previous disposition comes back
  /// when the last one closes.
  int preempt_signal = 0;
  /// Most tasks alive at once (spawned and not yet finished) across the
  /// whole runtime; a spawn beyond it raises "std.task: task limit reached
  /// (<n>)". 0 means no limit (memory is the limit).
  std::size_t max_tasks = 0;
  /// Virtual clock (docs/design.md, "The virtual clock"): time stands still while any
  /// task can run and jumps to the earliest deadline when every task is
  /// blocked, so sleeps and timeouts take no wall time. std.time follows
  /// it. While a host await is outstanding the clock does not jump: the
  /// next deadline is waited for in real time, then the clock moves to it.
  bool virtual_time = false;
  /// Least severe std.log record that is made and handed to the
  /// observer (Observer::log); calls below it cost a comparison.
  LogLevel log_level = LogLevel::info;
  /// A root-scope task that fails while nobody waits in its join is
  /// reported (Observer::unobserved_error) once it is known to be
  /// unobserved: when its handle is garbage, or at the end of the run if
  /// the script still holds it. The runtime keeps nothing of it after
  /// that, so a long-running program stays flat. With this set, such a
  /// failure is reported as soon as it happens (a later join still gets
  /// the error from the handle).
  bool report_failures_at_once = false;
  /// What scripts may touch (lua_batteries/policy.hpp): the std.* modules
  /// installed, and the path, network and process policies the I/O
  /// modules obey. The default allows everything.
  Policy policy;
};

/// Installs std.task and std.time into L (creating the global `std` if
/// absent, and package.loaded["std.task"] / ["std.time"]), and replaces the
/// coroutine library's resume/wrap/yield/status/close with versions that
/// let task suspension pass through the script's own coroutines.
/// `register` is a C++ keyword, hence the name. Throws std::runtime_error
/// if the module is already installed or Lua runs out of memory.
void register_task(lua_State* L, uv_loop_t* loop);
void register_with(lua_State* L, uv_loop_t* loop, const Config& config);

/// Outcome of a blocking run.
struct RunResult {
  enum class Status {
    ok,           ///< main chunk returned and every root task finished
    error,        ///< the main chunk raised (message holds text + traceback)
    interrupted,  ///< request_shutdown/abort_all ended the run
    deadlock,     ///< nothing could ever wake the main chunk again
  };
  Status status = Status::ok;
  std::string message;
  /// When the run ended in a deadlock: the task-tree dump (dump()) taken
  /// before the waiting fibers were torn down; empty otherwise.
  std::string dump;
  /// Process exit status a command-line runner uses: 0, 1 or 130.
  int exit_code() const;
};

/// Runs the function at the top of L's stack, called with the `nargs`
/// values above it (both popped), as the main chunk: on a coroutine, in the
/// root scope's context. Drives the loop until the main chunk and every
/// task of the root scope are done. When the main chunk raises, the root
/// scope is cancelled, its tasks get the grace window, whatever is left is
/// hard-aborted, and the error is returned with its traceback.
RunResult run_function(lua_State* L, int nargs);
/// Loads `path` (nullptr: standard input) and runs it as above with the
/// `nargs` values at the top of L's stack as its `...` (popped).
RunResult run_file(lua_State* L, const char* path, int nargs = 0);
/// Loads `chunk` under `chunk_name` and runs it as above.
RunResult run_string(lua_State* L, std::string_view chunk, const char* chunk_name);

/// Graceful shutdown (what a runner does on Ctrl-C): cancels the root
/// scope, gives everything the grace window, then hard-aborts what is left.
/// A blocking run in progress then ends with Status::interrupted. The root
/// scope stays cancelled until a blocking run ends (the next run starts
/// with a fresh root token); a host driving its own loop keeps it cancelled.
void request_shutdown(lua_State* L);
/// Hard-aborts every task and the main chunk now (second Ctrl-C). __close
/// handlers that run meanwhile cannot spawn into the root scope.
void abort_all(lua_State* L);
/// Stopping Lua code that never returns to the loop, from a signal handler
/// (a runner's second Ctrl-C), as the `lua` interpreter does on SIGINT.
/// Take the handle on the loop thread beforehand; interrupt() is
/// async-signal-safe: it arms the runtime's hook on the Lua thread running
/// now (none: nothing to do), which hard-aborts the fiber running there
/// (the task, scope body or main chunk) at its next instruction, even
/// inside a table.sort comparator or a gsub callback where it cannot
/// yield. The loop then runs as soon as the fiber has unwound; call
/// abort_all from there for the rest. Not for a long call into C.
struct InterruptHandle {
  void* runtime = nullptr;  ///< null: L had no runtime
};
InterruptHandle interrupt_handle(lua_State* L);
void interrupt(const InterruptHandle& handle) noexcept;
/// Hard-aborts everything and closes the runtime's libuv handles; std.task
/// calls raise "std.task: runtime is shut down" afterwards. lua_close does
/// this implicitly.
void shutdown(lua_State* L);

/// An owning reference to a cancel token of the runtime's token tree: the
/// token lives while a reference does, even after the Lua state closes.
/// Copies share the token; a moved-from reference is empty.
class CancelTokenRef {
 public:
  CancelTokenRef() = default;
  bool is_cancelled() const;
  /// Cancels the token and every token below it.
  void cancel();
  explicit operator bool() const { return token_ != nullptr; }

  CancelTokenRef(const CancelTokenRef& other);
  CancelTokenRef& operator=(const CancelTokenRef& other);
  CancelTokenRef(CancelTokenRef&& other) noexcept;
  CancelTokenRef& operator=(CancelTokenRef&& other) noexcept;
  ~CancelTokenRef();

 private:
  friend CancelTokenRef effective_token(lua_State* L);
  detail::CancelToken* token_ = nullptr;
};

/// The token that governs code running in L right now (spec "effective
/// token"): the innermost scope around the running task or body, the root
/// scope's token elsewhere. Empty if std.task is not installed.
CancelTokenRef effective_token(lua_State* L);

/// How much a task-tree dump says.
enum class DumpForm {
  /// Counts, then the tree of scopes (name, kind, deadline and time left,
  /// cancelled, grace running) and of tasks (id, name, state, age) with
  /// the traceback of where each is suspended. std.task.dump() gives it.
  full,
  /// One line per live fiber: who, what it does or waits for, and the
  /// top Lua frame of where it is.
  brief,
};

/// The task tree of L's runtime as text. Resumes nothing and allocates
/// only Lua strings while it walks (then copies the text), so it is safe
/// while the program is wedged: call it from a signal watcher or a
/// debugger. Call it from the loop thread, outside running Lua code (or
/// from a C function that code called). Empty if std.task is not
/// installed or Lua runs out of memory.
std::string dump(lua_State* L, DumpForm form = DumpForm::full);

/// Identity of a task, for logs and observers.
struct TaskInfo {
  std::string id;                   ///< "t<N>"
  std::optional<std::string> name;  ///< spawn's opts.name
  Driver driver = Driver::async_fn;
  bool cancelled = false;           ///< state of the effective token
};

/// The task whose code is running in L (also inside scope bodies it
/// opened); nullopt in the main chunk, outside the runtime, or if std.task
/// is not installed.
std::optional<TaskInfo> current_task(lua_State* L);

/// The N of current_task's id "t<N>", 0 where it is nullopt; allocates
/// nothing (for a bridge that tells tasks apart on every call).
std::uint64_t current_task_number(lua_State* L);

/// Why on_interrupt is called.
enum class Interruption {
  /// The task was cancelled; its wait is over (it raises `task cancelled`).
  cancelled,
  /// The task was hard-aborted (or the runtime shut down); its wait is over.
  aborted,
  /// CancelMode::deferred only: the task was cancelled, but it keeps
  /// waiting until complete() or complete_interrupted() (or a hard abort).
  /// Not the end of the wait.
  cancel_requested,
};

/// What a cancellation of the waiting task does to an await.
enum class CancelMode {
  /// The wait ends at once: on_interrupt(cancelled), then the task raises
  /// `task cancelled`.
  immediate,
  /// The bridge is told (on_interrupt(cancel_requested)) and the task
  /// keeps waiting until the bridge says how the operation ended:
  /// - complete(): it happened after all (it had finished, or got too far
  ///   to stop): k runs and returns its result, and the cancellation is
  ///   seen at the task's next suspension point. An operation that
  ///   happened returns.
  /// - complete_interrupted(): it was stopped and nothing happened:
  ///   on_interrupt(cancelled) runs and the task raises `task cancelled`
  ///   (k does not run). An operation that raised did not happen.
  /// A hard abort still ends the wait at once (on_interrupt(aborted)).
  /// For "interrupt the statement, wait until the database let go" and
  /// "terminate the child, wait until it has exited, then raise" (Trio's
  /// run_process): nothing the operation started outlives it.
  deferred,
};

/// One pending operation of a host bridge (SQL, subprocess, HTTP ...) that
/// a task waits for; see await(). For every await exactly one of two
/// things happens: the task continues in the continuation k, or
/// on_interrupt runs with `cancelled` or `aborted` (`cancel_requested`,
/// of CancelMode::deferred, only announces one of these). The bridge owns
/// the Awaiter and keeps it alive until then; that is also the moment to
/// release whatever else the operation holds (its result was read by k, or
/// nobody will read it).
class Awaiter {
 public:
  /// Called when the waiting task is cancelled before complete(), or
  /// hard-aborted (or the runtime shuts down) before k ran, even after
  /// complete(): the bridge interrupts its work and releases it. After it
  /// returns the runtime no longer touches the Awaiter, which may be
  /// destroyed inside the callback. It must not call into Lua.
  using InterruptFn = void (*)(Awaiter&, Interruption);

  explicit Awaiter(InterruptFn on_interrupt = nullptr, void* user_data = nullptr,
                   CancelMode cancel_mode = CancelMode::immediate)
      : on_interrupt_(on_interrupt), user_data_(user_data), cancel_mode_(cancel_mode) {}
  Awaiter(const Awaiter&) = delete;
  Awaiter& operator=(const Awaiter&) = delete;
  /// Destroying an Awaiter whose task still waits for it (neither k nor
  /// on_interrupt ran) makes the task raise "<what>: the operation was
  /// abandoned before it completed".
  ~Awaiter();

  /// The completion arrived (call from a libuv callback): the operation
  /// happened, and the task continues in k on a later loop turn (also
  /// after cancel_requested). No effect if the wait already ended or a
  /// completion was given before. Calling it before await() makes await()
  /// continue after one loop turn.
  void complete();
  /// CancelMode::deferred, after on_interrupt(cancel_requested): the
  /// operation was interrupted and nothing happened; the task raises
  /// `task cancelled` on a later loop turn, after on_interrupt(cancelled).
  /// Without a cancel request it is complete() (k runs and reports what
  /// the bridge saw).
  void complete_interrupted();
  /// True from await() until k runs or on_interrupt returns.
  bool is_waiting() const { return fiber_ != nullptr; }
  void* user_data() const { return user_data_; }
  /// What this particular operation is, for the task dump and the
  /// timeline: shown after await()'s `what`, as in `process.run 'make'
  /// (pid 4121)`. Set it before or during the wait, from the loop thread.
  void set_detail(std::string_view detail) { detail_.assign(detail); }
  const std::string& detail() const { return detail_; }
  CancelMode cancel_mode() const { return cancel_mode_; }
  /// Whether on_interrupt(cancel_requested) was called during this await.
  bool cancel_requested() const { return cancel_requested_; }
  /// Sets the mode of the next await (not while waiting).
  void set_cancel_mode(CancelMode mode) { cancel_mode_ = mode; }
  /// Makes an Awaiter whose wait is over ready for the next await, so that
  /// an object with one operation at a time can keep one Awaiter for all
  /// of them. No effect while waiting.
  void reset() {
    if (fiber_) return;
    completed_ = false;
    used_ = false;
    cancel_requested_ = false;
    nothing_happened_ = false;
  }

 private:
  friend class detail::Runtime;
  friend int await(lua_State*, Awaiter&, const char*, lua_KFunction, lua_KContext);
  InterruptFn on_interrupt_;
  void* user_data_;
  std::string detail_;
  detail::Fiber* fiber_ = nullptr;
  CancelMode cancel_mode_;
  bool completed_ = false;  // complete() was called (before or during the wait)
  bool used_ = false;       // await() was called
  bool cancel_requested_ = false;  // on_interrupt(cancel_requested) was called
  bool nothing_happened_ = false;  // complete_interrupted() was called
};

/// [-0, +0, -] Whether code running in L can suspend here (await would
/// not raise "cannot suspend here"): false outside a task or the main
/// chunk of a run, across a C boundary, and in __close handlers run by a
/// hard abort. A bridge that must not fail there (a close) ends its
/// resource without waiting instead.
bool can_suspend(lua_State* L);

/// [-0, +0, e] A checkpoint for bridges: raises `task cancelled` if the
/// code running in L is cancelled (its effective token), else returns 0.
/// Call it before starting work that a CancelMode::deferred await would
/// let run to its end, so that a cancelled task starts nothing.
int check_cancelled(lua_State* L);

/// [-0, +0, e] Suspends the running task until awaiter.complete(), from
/// inside a lua_CFunction: `return await(L, a, "mybridge.read", k, ctx);`.
/// Like lua_yieldk it does not return to its caller; the task continues in
/// k(L, LUA_YIELD, ctx) with the C function's stack as it was. If the task
/// is cancelled before the completion arrives it raises `task cancelled`
/// there instead (on_interrupt runs first, k does not; with
/// CancelMode::deferred only if the bridge completed it as interrupted:
/// an operation it completed returns); if it is
/// hard-aborted before k ran, on_interrupt runs and k never does. Where the
/// running code cannot suspend it raises "<what>: cannot suspend here"
/// (nothing else happens: the operation was never waited for).
int await(lua_State* L, Awaiter& awaiter, const char* what, lua_KFunction k,
          lua_KContext ctx);

}  // namespace lua_batteries
