// lua-batteries: several observers behind Config::observer's one slot.
#pragma once

#include <vector>

#include "lua_batteries/observer.hpp"

namespace lua_batteries {

/// Hands every event to each observer added, in the order added; the
/// per-task events only to those that want them (wants_lifecycle_events,
/// wants_run_events), so a cheap observer beside a costly one stays cheap.
/// Add every observer before register_with reads the wants_* flags.
class ObserverFanOut final : public Observer {
 public:
  /// `observer` is not owned and must outlive the Lua state. May throw
  /// std::bad_alloc.
  void add(Observer* observer);
  bool empty() const { return all_.empty(); }

  bool wants_lifecycle_events() const override { return !lifecycle_.empty(); }
  bool wants_run_events() const override { return !run_.empty(); }

  void task_spawned(const TaskEvent& task) override;
  void task_started(const TaskEvent& task) override;
  void task_finished(const TaskEvent& task, Outcome outcome, std::string_view error_text) override;
  void scope_opened(const ScopeEvent& scope) override;
  void scope_closed(const ScopeEvent& scope) override;
  void fiber_resumed(const RunEvent& fiber) override;
  void fiber_suspended(const RunEvent& fiber, const WaitEvent& wait) override;
  void fiber_cancelled(const RunEvent& fiber) override;
  void deadline_hit(const ScopeEvent& scope, double deadline_ms) override;
  void grace_expired(const ScopeEvent* scope, std::size_t hard_aborted) override;
  void grace_expiring(const GraceExpiry& expiry) override;
  void unobserved_error(const TaskEvent& task, std::string_view error_text, std::string_view traceback) override;
  void main_chunk_failed(std::string_view error_text) override;
  void close_error(const TaskEvent* task, std::string_view error_text) override;
  void log(const LogRecord& record) override;

 private:
  std::vector<Observer*> all_;
  std::vector<Observer*> lifecycle_;
  std::vector<Observer*> run_;
};

}  // namespace lua_batteries
