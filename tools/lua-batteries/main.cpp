// lua-batteries: the command-line runner (spec section 4a).
//
//   lua-batteries [options] [script [args]]
//
// Behaves like the `lua` interpreter where that makes sense: the same `arg`
// table, `-e chunk`, `-` for standard input, `--`, `-v`, and `-i` for the
// interactive prompt (prompt.hpp). Every -e chunk and
// then the script run, in order, as main chunks of std.task on a libuv loop
// owned by this process; a run ends when its main chunk and every task of
// the root scope are done. Unobserved task errors, grace expiries and
// __close failures during aborts are printed to stderr as warnings.
//
// Exit status: 0 when every run ended ok; 1 on an uncaught error, a
// deadlock or a usage error; 130 when interrupted by SIGINT (the first
// Ctrl-C cancels the root scope and starts the grace window, the second
// hard-aborts everything at once); 143 when ended by SIGTERM, which shuts
// down as the first Ctrl-C does.
//
// The runner makes itself a child subreaper (Linux), so that what a child
// process leaves behind in its process group when it dies is reparented
// here, where std.process reaps it, rather than to an init that may not.
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <iterator>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lua_batteries/observer.hpp"
#include "lua_batteries/sql.hpp"
#include "lua_batteries/task.hpp"
#include "lua_batteries/version.hpp"
#include "dump_signals.hpp"
#include "observe_options.hpp"
#include "option_parsing.hpp"
#include "policy_options.hpp"
#include "prompt.hpp"

namespace {

using lua_batteries::Config;
using lua_batteries::Driver;
using lua_batteries::RunResult;
using lua_batteries::runner::match_valued_option;
using lua_batteries::runner::missing_value;
using lua_batteries::runner::UsageError;

constexpr const char* kProgram = "lua-batteries";
using lua_batteries::kVersion;

constexpr const char* kUsage =
    "usage: lua-batteries [options] [script [args]]\n"
    "Available options are:\n"
    "  -e chunk          execute string 'chunk' (may be repeated)\n"
    "  -i                enter interactive mode after executing 'script'\n"
    "  -v, --version     show version information\n"
    "  -h, --help        show this help and exit\n"
    "  --grace-ms N      grace window in ms before a shutdown hard-aborts\n"
    "                    (also with_timeout's default; default 1000)\n"
    "  --driver NAME     default task driver: async_fn (default) or coroutine\n"
    "  --slice-ms N      time slicing: Lua code that runs N ms without\n"
    "                    suspending lets other tasks run in the middle of it\n"
    "                    (default 0: no slicing, code between two suspension\n"
    "                    points runs alone)\n"
    "  --no-watchdog     with no slicing, nothing stops a busy loop: deadlines,\n"
    "                    hard aborts and Ctrl-C wait until it suspends\n"
    "  --max-tasks N     most tasks alive at once (default 0: no limit)\n"
    "  --virtual-time    run on a virtual clock: sleeps and timeouts take no\n"
    "                    wall time (time jumps when every task is blocked)\n"
    "  --db PATH         open the SQLite database of std.sql and std.kv\n"
    "  --db-timeout-ms N per-statement timeout of std.sql (default 5000; 0: none)\n"
    "  --log-level L     least severe std.log record and runner warning shown:\n"
    "                    trace, debug, info (default), warn, error or off\n"
    "  --stats           at the end, print task, scope, deadline and resume\n"
    "                    figures to stderr\n"
    "  --trace FILE      write a timeline of the run to FILE as Chrome\n"
    "                    trace-event JSON (Perfetto, chrome://tracing)\n"
    "  --trace-html FILE write the same timeline as one self-contained page\n";

/// After the policy options (policy_options.hpp's kPolicyUsage).
constexpr const char* kUsageEnd =
    "  --                stop handling options\n"
    "  -                 stop handling options and execute stdin\n"
    "With no script and no -e, standard input is executed unless it is a terminal.\n"
    "Ctrl-C cancels every task (grace window, then hard abort); a second\n"
    "Ctrl-C hard-aborts at once; SIGTERM acts as the first Ctrl-C. Ctrl-\\ (SIGQUIT)\n"
    "or SIGUSR1 prints what every task is doing and goes on.\n"
    "Exit status: 0 ok, 1 error, 130 interrupted, 143 terminated.\n";

// ---------------------------------------------------------------------------
// Command line

/// What the command line asks for. The script is an index into argv, as the
/// `arg` table is built from argv and that index.
struct CommandLine {
  std::vector<const char*> chunks;  ///< -e chunks, in order
  int script = 0;                   ///< argv index of the script; 0 when none
  bool script_is_stdin = false;     ///< the script is "-" (or implied stdin)
  bool show_help = false;
  bool show_version = false;
  bool interactive = false;  ///< -i: the prompt after the chunks and the script
  Config config;
  const char* db_path = nullptr;  ///< --db
  lua_batteries::SqlOptions sql;
  lua_batteries::runner::ObserveOptions observe;  ///< --stats, --trace, --trace-html
  lua_batteries::runner::PolicyOptions policy;    ///< --sandbox, --allow-*, --max-memory
};

/// Parses a --grace-ms value: a finite, non-negative number of ms in the
/// runtime's range. A bad value is a user error, not something to clamp.
std::optional<double> parse_grace_ms(const char* text) {
  char* end = nullptr;
  const double ms = std::strtod(text, &end);
  if (end == text || *end != '\0') return std::nullopt;
  if (!std::isfinite(ms) || ms < 0 || ms > lua_batteries::kMaxDurationMs) return std::nullopt;
  return ms;
}

// Longest --slice-ms: beyond that a slice never runs out in practice.
constexpr double kMaxSliceMs = 1e9;

/// Parses a --slice-ms value: a finite number of ms from 0 (off) to 1e9.
std::optional<double> parse_slice_ms(const char* text) {
  char* end = nullptr;
  const double ms = std::strtod(text, &end);
  if (end == text || *end != '\0') return std::nullopt;
  if (!std::isfinite(ms) || ms < 0 || ms > kMaxSliceMs) return std::nullopt;
  return ms;
}

/// Parses a --max-tasks value: a non-negative decimal integer (0: no limit).
std::optional<std::size_t> parse_max_tasks(const char* text) {
  if (*text < '0' || *text > '9') return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(text, &end, 10);
  if (*end != '\0' || errno == ERANGE || n > SIZE_MAX) return std::nullopt;
  return static_cast<std::size_t>(n);
}

/// Handles one option that carries a value (-e, --grace-ms, --slice-ms,
/// --max-tasks, --driver) at argv[i]. Returns false if argv[i] is none of them.
bool parse_valued_option(int argc, char** argv, int& i, CommandLine& cmd,
                         std::optional<UsageError>& error) {
  const std::string_view arg = argv[i];
  const char* value = nullptr;
  if (arg.starts_with("-e")) {
    // As lua: "-echunk" or "-e chunk", and the chunk may not look like an option.
    value = arg.size() > 2 ? argv[i] + 2 : (i + 1 < argc ? argv[++i] : nullptr);
    if (value == nullptr || (arg.size() == 2 && value[0] == '-')) {
      error = missing_value("-e");
    } else {
      cmd.chunks.push_back(value);
    }
    return true;
  }
  if (match_valued_option(argc, argv, i, "--grace-ms", value)) {
    const auto ms = value != nullptr ? parse_grace_ms(value) : std::nullopt;
    if (value == nullptr) {
      error = missing_value("--grace-ms");
    } else if (!ms) {
      error = UsageError{std::string("invalid value '") + value +
                         "' for --grace-ms (expected milliseconds: a number from 0 to 1.845e13)"};
    } else {
      cmd.config.grace_ms = *ms;
    }
    return true;
  }
  if (match_valued_option(argc, argv, i, "--slice-ms", value)) {
    const auto ms = value != nullptr ? parse_slice_ms(value) : std::nullopt;
    if (value == nullptr) {
      error = missing_value("--slice-ms");
    } else if (!ms) {
      error = UsageError{std::string("invalid value '") + value +
                         "' for --slice-ms (expected milliseconds: a number from 0 to 1e9)"};
    } else {
      cmd.config.slice_ms = *ms;
    }
    return true;
  }
  if (match_valued_option(argc, argv, i, "--max-tasks", value)) {
    const auto n = value != nullptr ? parse_max_tasks(value) : std::nullopt;
    if (value == nullptr) {
      error = missing_value("--max-tasks");
    } else if (!n) {
      error = UsageError{std::string("invalid value '") + value +
                         "' for --max-tasks (expected a whole number, 0 for no limit)"};
    } else {
      cmd.config.max_tasks = *n;
    }
    return true;
  }
  if (match_valued_option(argc, argv, i, "--db-timeout-ms", value)) {
    const auto ms = value != nullptr ? parse_slice_ms(value) : std::nullopt;
    if (value == nullptr) {
      error = missing_value("--db-timeout-ms");
    } else if (!ms) {
      error = UsageError{std::string("invalid value '") + value +
                         "' for --db-timeout-ms (expected milliseconds: a number from 0 to 1e9)"};
    } else {
      cmd.sql.timeout_ms = *ms;
    }
    return true;
  }
  if (match_valued_option(argc, argv, i, "--db", value)) {
    if (value == nullptr) {
      error = missing_value("--db");
    } else {
      cmd.db_path = value;
    }
    return true;
  }
  if (match_valued_option(argc, argv, i, "--log-level", value)) {
    const auto level = value != nullptr ? lua_batteries::parse_log_level(value) : std::nullopt;
    if (value == nullptr) {
      error = missing_value("--log-level");
    } else if (!level) {
      error = UsageError{std::string("unknown level '") + value +
                         "' for --log-level (expected trace, debug, info, warn, error or off)"};
    } else {
      cmd.config.log_level = *level;
    }
    return true;
  }
  if (match_valued_option(argc, argv, i, "--driver", value)) {
    const auto driver = value != nullptr ? lua_batteries::parse_driver(value) : std::nullopt;
    if (value == nullptr) {
      error = missing_value("--driver");
    } else if (!driver) {
      error = UsageError{std::string("unknown driver '") + value +
                         "' for --driver (expected 'async_fn' or 'coroutine')"};
    } else {
      cmd.config.default_driver = *driver;
    }
    return true;
  }
  return false;
}

/// Reads the options up to the script, as lua.c's collectargs does: the
/// first argument that is not an option is the script, "--" ends the
/// options, "-" is the script "standard input" (unless it follows "--").
std::optional<UsageError> parse_command_line(int argc, char** argv, CommandLine& cmd) {
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.empty() || arg[0] != '-' || arg == "-") break;
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg == "-h" || arg == "--help") {
      cmd.show_help = true;
      return std::nullopt;
    }
    if (arg == "-i") {  // as lua: -i implies -v
      cmd.interactive = true;
      cmd.show_version = true;
      continue;
    }
    if (arg == "-v" || arg == "--version") {
      cmd.show_version = true;
      continue;
    }
    if (arg == "--virtual-time") {
      cmd.config.virtual_time = true;
      continue;
    }
    if (arg == "--no-watchdog") {
      cmd.config.watchdog = false;
      continue;
    }
    std::optional<UsageError> error;
    if (lua_batteries::runner::parse_observe_option(argc, argv, i, cmd.observe, error) ||
        parse_valued_option(argc, argv, i, cmd, error) ||
        lua_batteries::runner::parse_policy_option(argc, argv, i, cmd.policy, error)) {
      if (error) return error;
      continue;
    }
    return UsageError{"unrecognized option '" + std::string(arg) + "'", true};
  }
  if (i < argc) {
    cmd.script = i;
    cmd.script_is_stdin = std::string_view(argv[i]) == "-" && std::string_view(argv[i - 1]) != "--";
  }
  return std::nullopt;
}

void print_usage(std::FILE* out) {
  std::fputs(kUsage, out);
  std::fputs(lua_batteries::runner::kPolicyUsage, out);
  std::fputs(kUsageEnd, out);
}

void print_version() {
  std::printf("%s %s (%s, libuv %s)\n", kProgram, kVersion, LUA_RELEASE, uv_version_string());
}

/// Writes "lua-batteries: " and the parts, then a newline unless the last
/// part ends with one, to stderr in one call (so that lines do not
/// interleave with other writers) and without allocating: the warnings
/// are printed from the loop, also when memory has run out.
void print_parts(std::initializer_list<std::string_view> parts) {
  constexpr std::size_t kMaxParts = 12;
  struct iovec iov[kMaxParts + 2];
  std::size_t n = 0;
  auto add = [&](std::string_view part) {
    if (!part.empty() && n < std::size(iov)) iov[n++] = {const_cast<char*>(part.data()), part.size()};
  };
  add(kProgram);
  add(": ");
  std::string_view last;
  for (std::string_view part : parts) {
    if (n == kMaxParts + 1) break;
    add(part);
    if (!part.empty()) last = part;
  }
  if (last.empty() || last.back() != '\n') add("\n");
  ssize_t ignored = writev(STDERR_FILENO, iov, static_cast<int>(n));
  (void)ignored;
}

void print_message(std::string_view text) { print_parts({text}); }

// ---------------------------------------------------------------------------
// Warnings

/// The observer of the runner: prints the events a user must not miss
/// (spec section 5) to stderr as warnings, and std.log records, both
/// through one sink filtered by --log-level; ignores the rest.
class WarningObserver final : public lua_batteries::Observer {
 public:
  bool wants_lifecycle_events() const override { return false; }
  void set_log_level(lua_batteries::LogLevel level) { log_level_ = level; }

  /// Records reach here already filtered by Config::log_level.
  void log(const lua_batteries::LogRecord& record) override { write(record); }

  /// Printed when it happens, before the grace window of the shutdown it
  /// starts; report() then does not print it again.
  void main_chunk_failed(std::string_view error_text) override {
    print_message(error_text);
    main_error_printed_ = true;
  }
  bool main_error_printed() const { return main_error_printed_; }

  void unobserved_error(const lua_batteries::TaskEvent& task, std::string_view error_text,
                        std::string_view traceback) override {
    if (!warns()) return;
    const Label label(task);
    print_parts({"warning: task ", label.number(), label.name(), label.close(), " failed and was never joined: ",
                 error_text, traceback.empty() ? "" : "\n", traceback});
  }

  /// Kept for grace_expired, which follows with the count.
  void grace_expiring(const lua_batteries::GraceExpiry& expiry) override {
    expiring_ = Expiring{};
    expiring_.grace_ms = expiry.grace_ms;
    try {
      expiring_.who = expiry.who;
      expiring_.dump = expiry.scope ? std::string_view() : expiry.dump;
      expiring_.where = expiry.scope ? scope_label(*expiry.scope) : std::string();
    } catch (const std::bad_alloc&) {
      expiring_.who.clear();  // grace_expired falls back to the count alone
      expiring_.dump.clear();
      expiring_.where.clear();
    }
  }

  /// Names who was hard-aborted and where each was; with grace_ms = 0 the
  /// hard abort was what the script asked for, so nothing is printed.
  void grace_expired(const lua_batteries::ScopeEvent* scope, std::size_t hard_aborted) override {
    const Expiring expiring = std::move(expiring_);
    expiring_ = Expiring{};
    if (expiring.grace_ms <= 0 || !warns()) return;
    char count[24];
    const int len = std::snprintf(count, sizeof count, "%zu", hard_aborted);
    char grace[48];
    const int grace_len = std::snprintf(grace, sizeof grace, ", grace %g ms)", expiring.grace_ms);
    print_parts({"warning: grace window expired: ", std::string_view(count, len > 0 ? len : 0),
                 " task(s) hard-aborted (", scope ? std::string_view(expiring.where) : "shutdown",
                 std::string_view(grace, grace_len > 0 ? grace_len : 0), expiring.who.empty() ? "" : ":\n",
                 expiring.who});
    if (!expiring.dump.empty())
      print_parts({"what the grace window left, as it was when it expired:\n", expiring.dump});
  }

  void close_error(const lua_batteries::TaskEvent* task, std::string_view error_text) override {
    if (!warns()) return;
    if (task == nullptr) {
      print_parts({"warning: __close handler failed during abort: ", error_text});
      return;
    }
    const Label label(*task);
    print_parts({"warning: __close handler failed during abort of task ", label.number(), label.name(),
                 label.close(), ": ", error_text});
  }

 private:
  /// "t3 (name)", or "t3" for a task without a name, in three parts made
  /// without allocating (a warning may come when memory has run out).
  class Label {
   public:
    explicit Label(const lua_batteries::TaskEvent& task) : task_(task) {
      const int len = std::snprintf(number_, sizeof number_, "t%llu%s",
                                    static_cast<unsigned long long>(task.number), task.has_name ? " (" : "");
      number_len_ = len > 0 ? static_cast<std::size_t>(len) : 0;
    }
    std::string_view number() const { return {number_, number_len_}; }
    std::string_view name() const { return task_.has_name ? task_.name : std::string_view(); }
    std::string_view close() const { return task_.has_name ? ")" : ""; }

   private:
    const lua_batteries::TaskEvent& task_;
    char number_[32];
    std::size_t number_len_ = 0;
  };

  /// Runner warnings and std.log records go through one filter, --log-level.
  bool warns() const { return lua_batteries::LogLevel::warn >= log_level_; }

  /// A std.log record with its context, on one line of stderr.
  static void write(const lua_batteries::LogRecord& record) {
    try {
      std::string line = lua_batteries::format_log_record(record);
      line += '\n';
      std::fwrite(line.data(), 1, line.size(), stderr);
    } catch (const std::bad_alloc&) {
      print_parts({"warning: a std.log record was dropped: not enough memory"});
    }
  }

  /// `with_timeout "name"`, `scope` ...: how the dump names a scope.
  static std::string scope_label(const lua_batteries::ScopeEvent& scope) {
    std::string text = scope.kind == lua_batteries::ScopeEvent::Kind::with_timeout ? "with_timeout" : "scope";
    if (!scope.name.empty()) {
      text += " \"";
      text.append(scope.name);
      text += '"';
    }
    return text;
  }

  /// What grace_expiring said, until grace_expired.
  struct Expiring {
    double grace_ms = 0;
    std::string who;
    std::string dump;  // the shutdown's only
    std::string where;
  };

  bool main_error_printed_ = false;
  Expiring expiring_;
  lua_batteries::LogLevel log_level_ = lua_batteries::LogLevel::info;
};

// ---------------------------------------------------------------------------
// Ctrl-C

/// What the SIGINT/SIGTERM handler and the loop's side of it share. A signal
/// handler has no argument to reach it by: one Session at a time publishes
/// its own (t_interrupts).
struct Interrupts {
  lua_State* L = nullptr;  ///< null once the state is closed
  lua_batteries::InterruptHandle handle;
  pthread_t loop_thread{};
  std::atomic<int> count{0};  ///< SIGINTs and SIGTERMs received
  std::atomic<bool> terminated{false};  ///< a SIGTERM came
  int handled = 0;            ///< of which the loop has acted on
  /// Where every fiber was at the first Ctrl-C or SIGTERM (DumpForm::brief),
  /// for the "interrupted" message: a hung program says where it hung.
  std::string where;
  uv_async_t async{};
};

std::atomic<Interrupts*> g_interrupts{nullptr};

/// SIGINT or SIGTERM, in the signal handler: counts it and wakes the loop, which acts
/// on it (on_sigint_async). From the second on it also stops the Lua code
/// running now (lua_batteries::interrupt: async-signal-safe), which may
/// never return to the loop (a busy table.sort comparator), as lua.c does.
/// Only the loop thread may touch the Lua state: a signal that landed on
/// another thread is passed on to it.
void on_sigint_signal(int signum) {
  const int saved_errno = errno;
  Interrupts* interrupts = g_interrupts.load(std::memory_order_acquire);
  if (interrupts != nullptr) {
    if (!pthread_equal(pthread_self(), interrupts->loop_thread)) {
      pthread_kill(interrupts->loop_thread, signum);
    } else {
      if (signum == SIGTERM) interrupts->terminated.store(true, std::memory_order_relaxed);
      const int n = interrupts->count.fetch_add(1, std::memory_order_relaxed) + 1;
      if (n >= 2) lua_batteries::interrupt(interrupts->handle);
      uv_async_send(&interrupts->async);
    }
  }
  errno = saved_errno;
}

/// SIGINT, on the loop: the first one shuts the runtime down gracefully
/// (cancel the root scope, grace window, hard abort); every later one
/// skips what is left of the grace window.
void on_sigint_async(uv_async_t* async) {
  auto* interrupts = static_cast<Interrupts*>(async->data);
  const int count = interrupts->count.load(std::memory_order_relaxed);
  if (interrupts->L == nullptr || count == interrupts->handled) return;
  if (interrupts->handled == 0) {
    try {
      interrupts->where = lua_batteries::dump(interrupts->L, lua_batteries::DumpForm::brief);
    } catch (const std::bad_alloc&) {
      interrupts->where.clear();  // "interrupted" alone
    }
    lua_batteries::request_shutdown(interrupts->L);
  }
  if (count >= 2) lua_batteries::abort_all(interrupts->L);
  interrupts->handled = count;
}

// ---------------------------------------------------------------------------
// Session: the loop, the Lua state and the SIGINT handle

/// Owns the loop, the Lua state and the SIGINT handle, and releases them in
/// the order the runtime and libuv require: close the state (which aborts
/// what is left and closes the runtime's handles), close the signal handle,
/// let the loop run the close callbacks, close the loop.
class Session {
 public:
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  ~Session() {
    dump_signals_.close();
    if (sigterm_installed_) sigaction(SIGTERM, &previous_sigterm_, nullptr);
    stop_sigint();
    if (L_ != nullptr) {
      lua_close(L_);
      L_ = nullptr;
      interrupts_.L = nullptr;
    }
    if (async_open_) uv_close(reinterpret_cast<uv_handle_t*>(&interrupts_.async), nullptr);
    if (loop_open_) {
      uv_run(&loop_, UV_RUN_NOWAIT);
      // A std.fs request interrupted by the shutdown has returned, but
      // libuv hands its threadpool request back on a loop turn.
      while (loop_.active_reqs.count > 0) uv_run(&loop_, UV_RUN_ONCE);
      if (uv_loop_close(&loop_) != 0) print_message("warning: libuv handles still open at exit");
    }
  }

  /// Creates the loop and the state, installs std.task/std.time and the
  /// SIGINT handler. Returns why it failed, if it did.
  std::optional<std::string> open(const Config& config, const char* db_path,
                                  const lua_batteries::SqlOptions& sql, lua_batteries::runner::Observers& observers,
                                  const lua_batteries::runner::PolicyOptions& policy) {
    if (uv_loop_init(&loop_) != 0) return "cannot initialise the libuv loop";
    loop_open_ = true;
    L_ = luaL_newstate();
    if (L_ == nullptr) return "cannot create the Lua state: not enough memory";
    memory_.limit = policy.max_memory_mb * 1024 * 1024;
    if (memory_.limit != 0) lua_batteries::limit_memory(L_, memory_);
    luaL_openlibs(L_);
    Config with_observer = config;
    with_observer.observer = observers.install(&observer_);
    observer_.set_log_level(config.log_level);
    lua_batteries::runner::apply_policy(policy, with_observer);  // throws on failure
    lua_batteries::register_with(L_, &loop_, with_observer);  // throws on failure
    if (policy.sandbox) {
      lua_pushcfunction(L_, lua_batteries::runner::close_escape_hatches);
      lua_pushlightuserdata(L_, const_cast<lua_batteries::runner::PolicyOptions*>(&policy));
      if (lua_pcall(L_, 1, 0, 0) != LUA_OK) return "cannot set up the sandbox: not enough memory";
    }
    if (db_path != nullptr) lua_batteries::use_sql_database(L_, db_path, sql);  // throws on failure
    if (auto error = dump_signals_.start(&loop_, L_)) return error;
    return start_sigint();
  }

  lua_State* state() const { return L_; }
  uv_loop_t* loop() { return &loop_; }
  /// The prompt handles Ctrl-C itself: the previous disposition comes back.
  void stop_sigint() {
    if (!sigint_installed_) return;
    sigaction(SIGINT, &previous_sigint_, nullptr);
    g_interrupts.store(nullptr, std::memory_order_release);
    sigint_installed_ = false;
  }
  int interrupt_count() const { return interrupts_.count.load(std::memory_order_relaxed); }
  bool terminated() const { return interrupts_.terminated.load(std::memory_order_relaxed); }
  const std::string& where_interrupted() const { return interrupts_.where; }
  bool main_error_printed() const { return observer_.main_error_printed(); }

 private:
  /// Handles SIGINT and SIGTERM with a handler of its own (on_sigint_signal) that
  /// wakes the loop through an async handle; unreferenced, so that waiting
  /// for a Ctrl-C never keeps a finished run alive.
  std::optional<std::string> start_sigint() {
    if (uv_async_init(&loop_, &interrupts_.async, on_sigint_async) != 0) return "cannot create the SIGINT handle";
    async_open_ = true;
    uv_unref(reinterpret_cast<uv_handle_t*>(&interrupts_.async));
    interrupts_.async.data = &interrupts_;
    interrupts_.L = L_;
    interrupts_.handle = lua_batteries::interrupt_handle(L_);
    interrupts_.loop_thread = pthread_self();
    g_interrupts.store(&interrupts_, std::memory_order_release);
    struct sigaction action {};
    action.sa_handler = on_sigint_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &action, &previous_sigint_) != 0) {
      g_interrupts.store(nullptr, std::memory_order_release);
      return "cannot handle SIGINT";
    }
    sigint_installed_ = true;
    if (sigaction(SIGTERM, &action, &previous_sigterm_) != 0) return "cannot handle SIGTERM";
    sigterm_installed_ = true;
    return std::nullopt;
  }

  uv_loop_t loop_{};
  struct sigaction previous_sigint_ {};
  struct sigaction previous_sigterm_ {};
  bool loop_open_ = false;
  bool async_open_ = false;
  bool sigint_installed_ = false;
  bool sigterm_installed_ = false;
  WarningObserver observer_;  // outlives L_: lua_close may still report
  lua_batteries::MemoryLimit memory_;  // --max-memory; outlives L_
  Interrupts interrupts_;
  lua_batteries::runner::DumpSignals dump_signals_;
  lua_State* L_ = nullptr;
};

// ---------------------------------------------------------------------------
// The arg table and the script's `...`

/// argv and the script's index, handed to the protected builders below.
struct ArgvView {
  char** argv;
  int argc;
  int script;  ///< 0 when there is no script
};

/// [-0, +0, m] Protected (lua_pcall, light userdata ArgvView at 1): sets the
/// global `arg` exactly as lua.c's createargtable does: arg[0] is the
/// script, arg[1..n] its arguments, the interpreter and the options at
/// negative indices. Without a script everything after argv[0] is positive.
int create_arg_table(lua_State* L) {
  const auto* view = static_cast<const ArgvView*>(lua_touserdata(L, 1));
  const int script = view->script;
  const int positives = view->argc - (script + 1);
  lua_createtable(L, positives > 0 ? positives : 0, script + 1);
  for (int i = 0; i < view->argc; ++i) {
    lua_pushstring(L, view->argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
  return 0;
}

/// [-0, +n, e] Protected: returns arg[1] .. arg[#arg], the script's `...`,
/// read from the global `arg` at this moment (an -e chunk may change it), as
/// lua.c's pushargs does.
int push_script_args(lua_State* L) {
  if (lua_getglobal(L, "arg") != LUA_TTABLE) return luaL_error(L, "'arg' is not a table");
  const int n = static_cast<int>(luaL_len(L, -1));
  luaL_checkstack(L, n + 3, "too many arguments to script");
  for (int i = 1; i <= n; ++i) lua_rawgeti(L, -i, i);
  lua_remove(L, -n - 1);
  return n;
}

/// Calls `fn` (with `view` as its argument) in protected mode, leaving its
/// results on the stack. Returns the number of results, or the error text.
int call_protected(lua_State* L, lua_CFunction fn, ArgvView* view, std::string& error) {
  const int base = lua_gettop(L);
  lua_pushcfunction(L, fn);
  lua_pushlightuserdata(L, view);
  if (lua_pcall(L, 1, LUA_MULTRET, 0) != LUA_OK) {
    const char* text = lua_tostring(L, -1);
    error = text != nullptr ? text : "(error object is not a string)";
    lua_settop(L, base);
    return -1;
  }
  return lua_gettop(L) - base;
}

// ---------------------------------------------------------------------------
// Running

/// Prints why a run did not end ok, in lua.c's "progname: message" form.
/// The message of an error already holds its traceback; a main chunk's
/// error was printed by the observer as it happened. An interrupted run
/// says where each fiber was at the Ctrl-C (`where`), a deadlock prints
/// the task dump taken before the waiting fibers were torn down.
void report(const RunResult& result, bool error_already_printed, const std::string& where, bool terminated) {
  switch (result.status) {
    case RunResult::Status::ok:
      return;
    case RunResult::Status::interrupted:
      if (!result.message.empty())
        print_message(result.message);
      else if (where.empty())
        print_message("interrupted");
      else
        print_parts({"interrupted. At the ", terminated ? "SIGTERM" : "Ctrl-C", ":\n", where});
      return;
    case RunResult::Status::error:
      if (!error_already_printed) print_message(result.message);
      return;
    case RunResult::Status::deadlock:
      print_message(result.message);
      if (!result.dump.empty()) print_message("task dump at the deadlock:\n" + result.dump);
      return;
  }
}

/// Runs the -e chunks, then the script (with its arguments as `...`), each
/// as a main chunk, stopping at the first run that does not end ok.
/// Returns the process exit status.
int run_program(Session& session, const CommandLine& cmd, int argc, char** argv) {
  lua_State* L = session.state();
  ArgvView view{argv, argc, cmd.script};
  std::string error;
  if (call_protected(L, create_arg_table, &view, error) < 0) {
    print_message(error);
    return 1;
  }
  // Reports how the last run ended and picks the exit status: a Ctrl-C that
  // arrived during a run makes it 130, a SIGTERM 143, whatever the run's
  // own outcome.
  auto finish = [&session](const RunResult& result) {
    report(result, session.main_error_printed(), session.where_interrupted(), session.terminated());
    if (session.terminated()) return 143;
    return session.interrupt_count() > 0 ? 130 : result.exit_code();
  };
  for (const char* chunk : cmd.chunks) {
    const RunResult result = lua_batteries::run_string(L, chunk, "=(command line)");
    if (result.status != RunResult::Status::ok || session.interrupt_count() > 0) {
      return finish(result);
    }
  }
  if (cmd.script == 0 && !cmd.script_is_stdin) return 0;
  int nargs = 0;
  if (cmd.script != 0) {  // an implied stdin (no script given) gets no `...`
    nargs = call_protected(L, push_script_args, &view, error);
    if (nargs < 0) {
      print_message(error);
      return 1;
    }
  }
  const char* path = cmd.script_is_stdin ? nullptr : argv[cmd.script];
  return finish(lua_batteries::run_file(L, path, nargs));
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine cmd;
  if (auto error = parse_command_line(argc, argv, cmd)) {
    print_message(error->message);
    if (error->show_usage) print_usage(stderr);
    return 1;
  }
  if (cmd.show_help) {
    print_usage(stdout);
    return 0;
  }
  if (cmd.show_version) print_version();
  if (cmd.script == 0 && cmd.chunks.empty() && !cmd.interactive) {
    // As lua: -v alone just prints the version; otherwise read a piped
    // standard input, but do not wait on a terminal (there is no REPL).
    if (cmd.show_version) return 0;
    if (isatty(STDIN_FILENO)) {
      print_usage(stderr);
      return 1;
    }
    cmd.script_is_stdin = true;
  }
  std::fflush(stdout);
  prctl(PR_SET_CHILD_SUBREAPER, 1);  // best effort: see the top of this file
  // Outlives the session: the state's closing still reports to it.
  lua_batteries::runner::Observers observers(cmd.observe);
  int status = 0;
  try {
    Session session;
    if (auto error = session.open(cmd.config, cmd.db_path, cmd.sql, observers, cmd.policy)) {
      print_message(*error);
      return 1;
    }
    status = run_program(session, cmd, argc, argv);
    if (status == 0 && cmd.interactive) {
      session.stop_sigint();
      status = lua_batteries::prompt::run(session.state(), session.loop());
    }
  } catch (const std::exception& e) {
    print_message(e.what());
    return 1;
  }
  if (!observers.finish() && status == 0) status = 1;
  return status;
}
