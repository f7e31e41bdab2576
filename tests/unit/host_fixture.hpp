// Shared fixture of the host API tests (host_*_test.cpp): a real uv loop
// and a fresh Lua state per test, std.task installed through the public
// API, a recording Observer, one-shot test timers and the one test bridge
// built on lua_batteries::Awaiter, with immediate and deferred cancel.
//
// Every test ends by proving that the runtime left nothing behind:
// TearDown closes the Lua state, runs the loop once for close callbacks,
// and requires uv_loop_close to succeed and every cancel token to be freed.
#pragma once

#include <gtest/gtest.h>

#include <lua.hpp>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/cancel_token.hpp"
#include "lua_batteries/observer.hpp"
#include "lua_batteries/task.hpp"

namespace host_test {

namespace lb = lua_batteries;

/// Passes when `text` contains `part`.
inline ::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" lacks \"" << part << "\"";
}

inline std::string task_label(const lb::TaskEvent& e) {
  std::string s = "t";
  s += std::to_string(e.number);
  if (e.has_name) {
    s += '(';
    s += e.name;
    s += ')';
  }
  return s;
}

inline std::string scope_label(const lb::ScopeEvent& e) {
  const char* kind = e.kind == lb::ScopeEvent::Kind::root    ? "root"
                     : e.kind == lb::ScopeEvent::Kind::scope ? "scope"
                                                             : "with_timeout";
  return std::string(kind) + "[" + std::string(e.name) + "] by t" + std::to_string(e.opener_task);
}

/// Records every event as a line of text, and the details tests check.
class RecordingObserver : public lb::Observer {
 public:
  bool wants_lifecycle_events() const override { return lifecycle; }
  bool lifecycle = true;  // set before install()
  struct Finish {
    std::string task;
    lb::Outcome outcome;
    std::string error;
    lb::Driver driver;
  };
  struct Unobserved {
    std::string task;
    std::string error;
    std::string traceback;
  };
  struct Grace {
    bool has_scope;
    std::string scope;
    std::size_t hard_aborted;
    std::uint64_t at_ns;
  };
  struct Deadline {
    std::string scope;
    double deadline_ms;
    std::uint64_t at_ns;
  };
  struct CloseError {
    std::string task;  // "" when outside any task
    std::string error;
  };

  void task_spawned(const lb::TaskEvent& e) override { log.push_back("spawned " + task_label(e)); }
  void task_started(const lb::TaskEvent& e) override { log.push_back("started " + task_label(e)); }
  void task_finished(const lb::TaskEvent& e, lb::Outcome outcome, std::string_view error) override {
    log.push_back("finished " + task_label(e) + " " + lb::outcome_name(outcome));
    finishes.push_back(Finish{task_label(e), outcome, std::string(error), e.driver});
  }
  void scope_opened(const lb::ScopeEvent& e) override { log.push_back("opened " + scope_label(e)); }
  void scope_closed(const lb::ScopeEvent& e) override { log.push_back("closed " + scope_label(e)); }
  void deadline_hit(const lb::ScopeEvent& e, double deadline_ms) override {
    log.push_back("deadline " + scope_label(e));
    deadlines.push_back(Deadline{scope_label(e), deadline_ms, uv_hrtime()});
    if (on_deadline) on_deadline();
  }
  void grace_expired(const lb::ScopeEvent* scope, std::size_t hard_aborted) override {
    log.push_back("grace " + (scope ? scope_label(*scope) : std::string("shutdown")) + " " +
                  std::to_string(hard_aborted));
    graces.push_back(Grace{scope != nullptr, scope ? scope_label(*scope) : "", hard_aborted, uv_hrtime()});
    if (on_grace) on_grace();
  }
  void unobserved_error(const lb::TaskEvent& e, std::string_view error, std::string_view traceback) override {
    log.push_back("unobserved " + task_label(e));
    unobserved.push_back(Unobserved{task_label(e), std::string(error), std::string(traceback)});
  }
  void close_error(const lb::TaskEvent* task, std::string_view error) override {
    log.push_back("close_error " + (task ? task_label(*task) : std::string("-")));
    close_errors.push_back(CloseError{task ? task_label(*task) : "", std::string(error)});
  }

  /// The outcome recorded for `task` ("t3(name)"), if it finished.
  std::optional<Finish> finish_of(const std::string& task) const {
    for (const Finish& f : finishes)
      if (f.task == task) return f;
    return std::nullopt;
  }
  /// The lines of `log` that mention `needle`.
  std::vector<std::string> lines_with(const std::string& needle) const {
    std::vector<std::string> out;
    for (const std::string& line : log)
      if (line.find(needle) != std::string::npos) out.push_back(line);
    return out;
  }

  std::vector<std::string> log;
  std::vector<Finish> finishes;
  std::vector<Unobserved> unobserved;
  std::vector<Grace> graces;
  std::vector<Deadline> deadlines;
  std::vector<CloseError> close_errors;
  std::function<void()> on_deadline;
  std::function<void()> on_grace;
};

/// A one-shot uv timer owned by the fixture; it closes itself when it fires.
struct TestTimer {
  uv_timer_t handle;
  std::function<void()> fn;
  bool closing = false;
};

/// How a deferred operation (deferred_wait) completes.
enum class DeferredOutcome {
  as_it_went,   ///< interrupted if a cancel came, else happened (a well-behaved bridge)
  happened,     ///< complete() always: the work finished regardless
  interrupted,  ///< complete_interrupted() always
};

/// One pending operation of the test bridge: a uv timer the task waits
/// for through an Awaiter. With CancelMode::immediate (wait_ms,
/// wait_ready, wait_forever) an interruption ends it. With
/// CancelMode::deferred (deferred_wait) a cancel is only announced
/// (cancel_requested): the operation takes `wind_down_ms` more (0: ends
/// inside the callback), as a killed child takes a while to exit, then
/// completes as `outcome` says; an abort ends it at once.
struct TimerOp {
  TimerOp() : awaiter(&TimerOp::on_interrupt, this) {}
  static void on_interrupt(lb::Awaiter& a, lb::Interruption why);
  /// The timer fired (or the wind-down is over): completes the wait.
  void finish();
  void close();

  uv_timer_t timer;
  lb::Awaiter awaiter;
  std::vector<lb::Interruption> interrupts;
  bool fired = false;  ///< finish() ran
  bool closing = false;
  std::uint64_t wind_down_ms = 0;
  DeferredOutcome outcome = DeferredOutcome::as_it_went;
  std::uint64_t cancel_requested_at = 0;  ///< uv_hrtime() at cancel_requested; 0: none came
  std::uint64_t completed_at = 0;         ///< uv_hrtime() at finish(); 0: not finished
};

/// What probe(label) saw: current_task and effective_token at that point.
struct Probe {
  std::string label;
  std::optional<lb::TaskInfo> task;
  std::uint64_t task_number = 0;  ///< current_task_number
  bool has_token = false;
  bool token_cancelled = false;
};

// Members are public: the C functions registered into Lua reach them.
class HostTest : public ::testing::Test {
 public:
  void SetUp() override;
  void TearDown() override;

  /// Installs std.task (with the recording observer unless told otherwise)
  /// and the test's C functions.
  void install(lb::Config config = {}, bool observe = true);
  /// Registers `fn` as the global `name` (callable from scripts).
  void add_function(const char* name, lua_CFunction fn);

  /// run_string of `code`; checks the stack is balanced and that no handle
  /// keeps the loop alive afterwards.
  lb::RunResult run(const std::string& code);
  /// Runs `code` at test level (plain luaL_dostring, outside any run);
  /// returns "" or the error text.
  std::string exec(const std::string& code);
  std::string global_string(const char* name);
  lua_Integer global_integer(const char* name);
  bool global_boolean(const char* name);
  /// Whether the global `name` is nil.
  bool global_is_nil(const char* name);

  /// Calls `fn` from a uv timer `ms` from now (0: next loop iteration).
  void after_ms(std::uint64_t ms, std::function<void()> fn);
  /// A new pending operation of the await bridge (timer initialised, not started).
  TimerOp* new_op();
  /// Expects uv_run(NOWAIT) to find nothing alive.
  void expect_loop_idle();

  static HostTest* current;  // the running test, for the C functions

  uv_loop_t loop_{};
  lua_State* L_ = nullptr;
  RecordingObserver observer_;
  std::vector<std::unique_ptr<TestTimer>> timers_;
  std::vector<std::unique_ptr<TimerOp>> ops_;
  std::vector<Probe> probes_;
  /// Tokens hold() kept; released after lua_close, before the leak check.
  std::vector<lb::CancelTokenRef> held_tokens_;
  std::uint64_t tokens_at_start_ = 0;
  bool loop_ready_ = false;

  // Counters the registered C functions bump.
  int close_count_ = 0;
  int started_count_ = 0;
  int tick_count_ = 0;
  int k_calls_ = 0;
  std::function<void()> on_arm_;  // what arm() does
};

}  // namespace host_test
