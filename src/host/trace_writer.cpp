// TraceWriter: observer events -> a list of small event records, kept
// until the trace is written (trace_output.cpp).
#include "lua_batteries/trace_writer.hpp"

#include <uv.h>

#include <charconv>
#include <cstdio>
#include <new>
#include <string_view>

namespace lua_batteries {
namespace {

constexpr std::uint64_t kRootPid = 1;

// "12.5": ms as the trace's details show them.
std::string ms_text(double ms) {
  char text[64];
  std::snprintf(text, sizeof text, "%.1f", ms);
  return text;
}

std::string scope_label(const ScopeEvent& scope) {
  if (scope.kind == ScopeEvent::Kind::root) return "root scope";
  std::string text = "s";
  text += std::to_string(scope.number);
  text += scope.kind == ScopeEvent::Kind::with_timeout ? " with_timeout" : " scope";
  if (!scope.name.empty()) {
    text += " \"";
    text.append(scope.name);
    text += '"';
  }
  if (scope.parent == 0) {
    text += " (in root";
  } else {
    text += " (in s";
    text += std::to_string(scope.parent);
  }
  if (scope.opener_task == 0) {
    text += ", opened by the main chunk)";
  } else {
    text += ", opened by t";
    text += std::to_string(scope.opener_task);
    text += ')';
  }
  return text;
}

// What a wait slice is called.
std::string wait_label(const WaitEvent& wait) {
  switch (wait.kind) {
    case WaitEvent::Kind::join: return "join t" + std::to_string(wait.target);
    case WaitEvent::Kind::scope: return "scope s" + std::to_string(wait.target);
    case WaitEvent::Kind::bridge: {
      std::string text(wait.what);
      if (!wait.detail.empty()) {
        text += ' ';
        text.append(wait.detail);
      }
      return text;
    }
    default: return std::string(wait.what);
  }
}

}  // namespace

TraceWriter::TraceWriter() : origin_ns_(uv_hrtime()) {
  tracks_.resize(1);
  tracks_[0].pid = kRootPid;
  scopes_[0] = "root scope";
}

std::uint64_t TraceWriter::now_ns() const { return uv_hrtime() - origin_ns_; }

std::uint64_t TraceWriter::pid_of(std::uint64_t task) const {
  return task < tracks_.size() && tracks_[task].pid != 0 ? tracks_[task].pid : kRootPid;
}

void TraceWriter::append_track_label(std::string& out, std::uint64_t task) const {
  if (task == 0) {
    out += "main chunk";
    return;
  }
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, task).ptr;
  out += 't';
  out.append(digits, end);
  if (task < tracks_.size() && tracks_[task].has_name) {
    out += ' ';
    out += tracks_[task].name;
  }
}

TraceWriter::Pending* TraceWriter::pending(const FiberKey& key) {
  try {
    if (key.second != 0) return &bodies_[key];
    if (key.first >= tracks_.size()) tracks_.resize(key.first + 1);
    return &tracks_[key.first].pending;
  } catch (const std::bad_alloc&) {
    ++dropped_;
    return nullptr;
  }
}

void TraceWriter::add(const Event& event) {
  try {
    events_.push_back(event);
  } catch (const std::bad_alloc&) {
    ++dropped_;
  }
}

void TraceWriter::add(Event event, std::string text, std::string detail) {
  try {
    event.text = static_cast<std::uint32_t>(texts_.size());
    texts_.push_back(std::move(text));
    texts_.push_back(std::move(detail));
    events_.push_back(event);
  } catch (const std::bad_alloc&) {
    ++dropped_;
  }
}

std::string_view TraceWriter::text_of(const Event& event, int which) const {
  if (event.text == kNoText) return {};
  return texts_[event.text + static_cast<std::uint32_t>(which)];
}

void TraceWriter::close_wait(const FiberKey& key, Pending& pending, std::uint64_t until) {
  if (!pending.waiting) return;
  pending.waiting = false;
  add(Event{Kind::wait, false, key.first, pending.since, until - pending.since, 0}, std::move(pending.what),
      std::move(pending.detail));
}

// Observer events. Each may run out of memory; what it could not record
// is counted in dropped_ and the trace goes on.

void TraceWriter::task_spawned(const TaskEvent& task) {
  const std::uint64_t now = now_ns();
  try {
    if (task.number >= tracks_.size()) tracks_.resize(task.number + 1);
    Track& track = tracks_[task.number];
    track.pid = task.scope + 1;
    track.has_name = task.has_name;
    track.name.assign(task.name);
  } catch (const std::bad_alloc&) {
    ++dropped_;
    return;
  }
  if (!in_resume_) return;  // spawned by a host or a __close handler of an abort: no flow
  tracks_[task.number].spawn_flow = true;
  add(Event{Kind::spawn, false, running_, now, 0, task.number});
  add(Event{Kind::spawn_flow, false, running_, now, 0, task.number});
}

void TraceWriter::fiber_resumed(const RunEvent& fiber) {
  const std::uint64_t now = now_ns();
  const FiberKey key{fiber.task.number, fiber.body_of};
  running_ = key.first;
  resumed_at_ = now;
  in_resume_ = true;
  Pending* p = pending(key);
  if (!p) return;
  close_wait(key, *p, now);
  if (!p->started && key.second == 0 && key.first != 0 && tracks_[key.first].spawn_flow)
    add(Event{Kind::spawn_flow, true, key.first, now, 0, key.first});
  p->started = true;
  if (const std::uint64_t target = p->join_target; target != 0) {
    p->join_target = 0;
    if (target < tracks_.size() && tracks_[target].ended) {
      add(Event{Kind::join_flow, false, target, tracks_[target].finished, 0, target});
      add(Event{Kind::join_flow, true, key.first, now, 0, target});
    }
  }
}

void TraceWriter::fiber_suspended(const RunEvent& fiber, const WaitEvent& wait) {
  const std::uint64_t now = now_ns();
  in_resume_ = false;
  const FiberKey key{fiber.task.number, fiber.body_of};
  add(Event{key.second != 0 ? Kind::body_run : Kind::run, false, key.first, resumed_at_, now - resumed_at_,
            key.second});
  switch (wait.kind) {
    case WaitEvent::Kind::preempted:
      add(Event{Kind::preempt, false, key.first, now, 0, 0});
      return;
    case WaitEvent::Kind::turn:
      return;
    case WaitEvent::Kind::finished:
      if (key.second != 0) {
        bodies_.erase(key);
      } else if (key.first != 0 && key.first < tracks_.size()) {
        tracks_[key.first].ended = true;
        tracks_[key.first].finished = now;
      }
      return;
    default:
      break;
  }
  Pending* p = pending(key);
  if (!p) return;
  try {
    p->waiting = true;
    p->since = now;
    p->what = wait_label(wait);
    p->detail.clear();
    if (wait.kind == WaitEvent::Kind::sleep && wait.until_ms > 0) p->detail = "until +" + ms_text(wait.until_ms) + " ms";
    p->join_target = wait.kind == WaitEvent::Kind::join ? wait.target : 0;
  } catch (const std::bad_alloc&) {
    ++dropped_;
  }
}

void TraceWriter::fiber_cancelled(const RunEvent& fiber) {
  add(Event{Kind::cancel, false, fiber.task.number, now_ns(), 0, 0});
}

void TraceWriter::task_finished(const TaskEvent& task, Outcome outcome, std::string_view error_text) {
  const std::uint64_t now = now_ns();
  if (task.number < tracks_.size()) {
    Track& track = tracks_[task.number];
    if (track.pending.waiting) {
      // Ended without running again: aborted while it waited.
      close_wait({task.number, 0}, track.pending, now);
      track.ended = true;
      track.finished = now;
    }
  }
  if (outcome == Outcome::returned) return;
  try {
    add(Event{Kind::end, false, task.number, now, 0, static_cast<std::uint64_t>(outcome)}, std::string(error_text), {});
  } catch (const std::bad_alloc&) {
    ++dropped_;
  }
}

void TraceWriter::scope_opened(const ScopeEvent& scope) {
  try {
    scopes_[scope.number] = scope_label(scope);
  } catch (const std::bad_alloc&) {
    ++dropped_;
  }
}

void TraceWriter::scope_closed(const ScopeEvent& scope) {
  // A body torn down by a hard abort never resumes again: its wait ends here.
  const FiberKey key{scope.opener_task, scope.number};
  if (const auto it = bodies_.find(key); it != bodies_.end()) {
    close_wait(key, it->second, now_ns());
    bodies_.erase(it);
  }
}

void TraceWriter::deadline_hit(const ScopeEvent& scope, double deadline_ms) {
  try {
    add(Event{Kind::deadline, false, scope.number + 1, now_ns(), 0, 0}, "with_timeout " + ms_text(deadline_ms) + " ms",
        {});
  } catch (const std::bad_alloc&) {
    ++dropped_;
  }
}

void TraceWriter::grace_expired(const ScopeEvent* scope, std::size_t hard_aborted) {
  try {
    add(Event{Kind::grace, false, scope ? scope->number + 1 : 0, now_ns(), 0, 0},
        std::to_string(hard_aborted) + " hard-aborted", {});
  } catch (const std::bad_alloc&) {
    ++dropped_;
  }
}

}  // namespace lua_batteries
