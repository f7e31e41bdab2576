// RunStats: the figures of --stats, gathered from observer events.
#include "lua_batteries/run_stats.hpp"

#include <uv.h>

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <new>

namespace lua_batteries {
namespace {

// CPU time of the calling thread: the loop thread, as events come from it.
std::uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

}  // namespace

void RunStats::task_spawned(const TaskEvent&) {
  ++figures_.tasks_spawned;
  if (++alive_ > figures_.peak_alive) figures_.peak_alive = alive_;
}

void RunStats::task_finished(const TaskEvent&, Outcome outcome, std::string_view) {
  if (alive_ > 0) --alive_;
  switch (outcome) {
    case Outcome::returned: ++figures_.returned; break;
    case Outcome::failed: ++figures_.failed; break;
    case Outcome::cancelled: ++figures_.cancelled; break;
    case Outcome::aborted: ++figures_.aborted; break;
  }
}

void RunStats::scope_opened(const ScopeEvent& scope) {
  ++figures_.scopes;
  if (scope.kind == ScopeEvent::Kind::with_timeout) ++figures_.with_timeouts;
  const auto parent = depth_.find(scope.parent);
  const int depth = (parent != depth_.end() ? parent->second : 0) + 1;
  if (depth > figures_.deepest_nesting) figures_.deepest_nesting = depth;
  try {
    depth_[scope.number] = depth;
  } catch (const std::bad_alloc&) {
    // A scope inside this one then counts from the root: depth is a hint.
  }
}

void RunStats::scope_closed(const ScopeEvent& scope) { depth_.erase(scope.number); }

void RunStats::fiber_resumed(const RunEvent&) {
  ++figures_.resumes;
  resume_wall_ns_ = uv_hrtime();
  resume_cpu_ns_ = thread_cpu_ns();
}

void RunStats::fiber_suspended(const RunEvent& fiber, const WaitEvent& wait) {
  std::uint64_t cpu = thread_cpu_ns() - resume_cpu_ns_;
  std::uint64_t wall = uv_hrtime() - resume_wall_ns_;
  const std::pair key{fiber.task.number, fiber.body_of};
  if (!preempted_.empty()) {
    if (const auto it = preempted_.find(key); it != preempted_.end()) {
      cpu += it->second.first;
      wall += it->second.second;
      preempted_.erase(it);
    }
  }
  if (wait.kind == WaitEvent::Kind::preempted) {
    try {
      preempted_[key] = {cpu, wall};
      return;
    } catch (const std::bad_alloc&) {
      // Counted as a stretch of its own.
    }
  }
  if (ms(cpu) <= figures_.longest_resume_cpu_ms && figures_.resumes > 1) return;
  figures_.longest_resume_cpu_ms = ms(cpu);
  figures_.longest_resume_wall_ms = ms(wall);
  figures_.longest_task = fiber.task.number;
  figures_.longest_body_of = fiber.body_of;
  try {
    figures_.longest_task_name.assign(fiber.task.name);
  } catch (const std::bad_alloc&) {
    figures_.longest_task_name.clear();
  }
}

void RunStats::deadline_hit(const ScopeEvent&, double) { ++figures_.deadlines_hit; }

void RunStats::grace_expired(const ScopeEvent*, std::size_t) { ++figures_.grace_expiries; }

std::string RunStats::report() const {
  const RunFigures& f = figures_;
  char line[256];
  std::string text = "stats:\n";
  std::snprintf(line, sizeof line,
                "  tasks: %" PRIu64 " spawned, %" PRIu64 " peak alive, finished: %" PRIu64 " returned, %" PRIu64
                " failed, %" PRIu64 " cancelled, %" PRIu64 " aborted\n",
                f.tasks_spawned, f.peak_alive, f.returned, f.failed, f.cancelled, f.aborted);
  text += line;
  std::snprintf(line, sizeof line, "  scopes: %" PRIu64 " opened (%" PRIu64 " with_timeout), deepest nesting %d\n",
                f.scopes, f.with_timeouts, f.deepest_nesting);
  text += line;
  std::snprintf(line, sizeof line, "  deadlines hit: %" PRIu64 ", grace expiries: %" PRIu64 "\n", f.deadlines_hit,
                f.grace_expiries);
  text += line;
  if (f.resumes == 0) return text + "  longest resume: none (no fiber ran)\n";
  std::snprintf(line, sizeof line, "  longest resume: %.1f ms CPU (%.1f ms wall) of %" PRIu64 " resumes, in ",
                f.longest_resume_cpu_ms, f.longest_resume_wall_ms, f.resumes);
  text += line;
  if (f.longest_body_of != 0) {
    std::snprintf(line, sizeof line, "the body of scope s%" PRIu64 " opened by ", f.longest_body_of);
    text += line;
  }
  if (f.longest_task == 0) {
    text += "the main chunk";
  } else {
    std::snprintf(line, sizeof line, "t%" PRIu64, f.longest_task);
    text += line;
    if (!f.longest_task_name.empty()) text += " (" + f.longest_task_name + ")";
  }
  return text + "\n";
}

}  // namespace lua_batteries
