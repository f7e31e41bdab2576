// lua-batteries: figures of a run (the runner's --stats), as an observer.
#pragma once

#include <cstdint>
#include <string>
#include <map>
#include <unordered_map>
#include <utility>

#include "lua_batteries/observer.hpp"

namespace lua_batteries {

/// What RunStats counted.
struct RunFigures {
  std::uint64_t tasks_spawned = 0;
  std::uint64_t peak_alive = 0;  ///< most tasks alive (spawned, not finished) at once
  std::uint64_t returned = 0, failed = 0, cancelled = 0, aborted = 0;
  std::uint64_t scopes = 0;        ///< scopes opened (with_timeout included; not the root)
  std::uint64_t with_timeouts = 0;
  int deepest_nesting = 0;         ///< 1: a scope in the root scope, 2: one inside it, ...
  std::uint64_t deadlines_hit = 0;
  std::uint64_t grace_expiries = 0;  ///< grace windows that ran out with something left to abort
  std::uint64_t resumes = 0;
  /// The busiest stretch of code without a suspension point: the one that
  /// used the most CPU time of the loop thread, its CPU and wall time in
  /// ms, and whose code it was (task number 0: the main chunk's). A
  /// preemption (time slicing, or the watchdog's turn of I/O) does not end
  /// a stretch: the code did not reach a suspension point.
  double longest_resume_cpu_ms = 0;
  double longest_resume_wall_ms = 0;
  std::uint64_t longest_task = 0;
  std::string longest_task_name;
  std::uint64_t longest_body_of = 0;  ///< the scope, when it was a scope body
};

/// Counts tasks, scopes, deadlines and resumes of a runtime (an Observer
/// that wants run events: install it through Config::observer, beside
/// others with ObserverFanOut). report() is the runner's --stats block.
class RunStats final : public Observer {
 public:
  bool wants_run_events() const override { return true; }

  void task_spawned(const TaskEvent& task) override;
  void task_finished(const TaskEvent& task, Outcome outcome, std::string_view error_text) override;
  void scope_opened(const ScopeEvent& scope) override;
  void scope_closed(const ScopeEvent& scope) override;
  void fiber_resumed(const RunEvent& fiber) override;
  void fiber_suspended(const RunEvent& fiber, const WaitEvent& wait) override;
  void deadline_hit(const ScopeEvent& scope, double deadline_ms) override;
  void grace_expired(const ScopeEvent* scope, std::size_t hard_aborted) override;

  const RunFigures& figures() const { return figures_; }
  /// The figures as lines of text ("stats:\n  tasks: ..."), the last
  /// one ending in a newline.
  std::string report() const;

 private:
  RunFigures figures_;
  std::uint64_t alive_ = 0;
  std::unordered_map<std::uint64_t, int> depth_;  // open scopes -> nesting depth
  std::uint64_t resume_cpu_ns_ = 0;
  std::uint64_t resume_wall_ns_ = 0;
  /// Stretches cut by a preemption so far: CPU and wall ns, by (task
  /// number, body_of).
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::pair<std::uint64_t, std::uint64_t>> preempted_;
};

}  // namespace lua_batteries
