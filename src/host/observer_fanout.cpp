// ObserverFanOut: one observer slot, several observers.
#include "lua_batteries/observer_fanout.hpp"

namespace lua_batteries {

void ObserverFanOut::add(Observer* observer) {
  all_.reserve(all_.size() + 1);
  lifecycle_.reserve(lifecycle_.size() + 1);
  run_.reserve(run_.size() + 1);
  all_.push_back(observer);
  if (observer->wants_lifecycle_events()) lifecycle_.push_back(observer);
  if (observer->wants_run_events()) run_.push_back(observer);
}

void ObserverFanOut::task_spawned(const TaskEvent& task) {
  for (Observer* o : lifecycle_) o->task_spawned(task);
}
void ObserverFanOut::task_started(const TaskEvent& task) {
  for (Observer* o : lifecycle_) o->task_started(task);
}
void ObserverFanOut::task_finished(const TaskEvent& task, Outcome outcome, std::string_view error_text) {
  for (Observer* o : lifecycle_) o->task_finished(task, outcome, error_text);
}
void ObserverFanOut::scope_opened(const ScopeEvent& scope) {
  for (Observer* o : lifecycle_) o->scope_opened(scope);
}
void ObserverFanOut::scope_closed(const ScopeEvent& scope) {
  for (Observer* o : lifecycle_) o->scope_closed(scope);
}
void ObserverFanOut::fiber_resumed(const RunEvent& fiber) {
  for (Observer* o : run_) o->fiber_resumed(fiber);
}
void ObserverFanOut::fiber_suspended(const RunEvent& fiber, const WaitEvent& wait) {
  for (Observer* o : run_) o->fiber_suspended(fiber, wait);
}
void ObserverFanOut::fiber_cancelled(const RunEvent& fiber) {
  for (Observer* o : run_) o->fiber_cancelled(fiber);
}
void ObserverFanOut::deadline_hit(const ScopeEvent& scope, double deadline_ms) {
  for (Observer* o : all_) o->deadline_hit(scope, deadline_ms);
}
void ObserverFanOut::grace_expired(const ScopeEvent* scope, std::size_t hard_aborted) {
  for (Observer* o : all_) o->grace_expired(scope, hard_aborted);
}
void ObserverFanOut::grace_expiring(const GraceExpiry& expiry) {
  for (Observer* o : all_) o->grace_expiring(expiry);
}
void ObserverFanOut::unobserved_error(const TaskEvent& task, std::string_view error_text,
                                      std::string_view traceback) {
  for (Observer* o : all_) o->unobserved_error(task, error_text, traceback);
}
void ObserverFanOut::main_chunk_failed(std::string_view error_text) {
  for (Observer* o : all_) o->main_chunk_failed(error_text);
}
void ObserverFanOut::close_error(const TaskEvent* task, std::string_view error_text) {
  for (Observer* o : all_) o->close_error(task, error_text);
}
void ObserverFanOut::log(const LogRecord& record) {
  for (Observer* o : all_) o->log(record);
}

}  // namespace lua_batteries
