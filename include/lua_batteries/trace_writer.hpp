// lua-batteries: a timeline of a run (the runner's --trace and
// --trace-html), as an observer.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "lua_batteries/observer.hpp"

namespace lua_batteries {

/// Records what every task did and when, and writes it as a Chrome
/// trace-event JSON file (Perfetto UI, chrome://tracing) or as one
/// self-contained HTML page that draws the same timeline.
///
/// In the trace each scope is a process (pid: its ScopeEvent::number + 1,
/// so the root scope is pid 1) named after the scope and the scope it
/// opened in, and each task a thread of its scope (tid: the task's number
/// + 1; the main chunk is tid 1 of the root). The code of a scope body is
/// its opener's code and is drawn on the opener's track. Events:
///  - "X" slices, category "run": each resume, from resume to suspension;
///  - "X" slices, category "wait": each wait, named after what was waited
///    for ("sleep", "join t7", "channel receive", "process.run 'make'");
///  - "i" instants: "spawn t3", "cancel", "preempted", "aborted",
///    "failed", "cancelled" (a task's end), "deadline hit" and "grace
///    expired" (scope-wide, on the scope's process);
///  - flows ("s"/"f"), category "spawn" from a spawn to the task's first
///    resume and category "join" from a task's end to its joiner's resume.
/// Times are microseconds of the loop thread's monotonic clock since the
/// writer was made (real time also under Config::virtual_time: the trace
/// shows where the CPU went).
///
/// The events stay in memory until written: a trace is for a run of
/// bounded length. Install it through Config::observer (beside others with
/// ObserverFanOut); write after the run, on the loop thread, with no Lua
/// code running.
class TraceWriter final : public Observer {
 public:
  TraceWriter();

  bool wants_run_events() const override { return true; }

  void task_spawned(const TaskEvent& task) override;
  void task_finished(const TaskEvent& task, Outcome outcome, std::string_view error_text) override;
  void scope_opened(const ScopeEvent& scope) override;
  void scope_closed(const ScopeEvent& scope) override;
  void fiber_resumed(const RunEvent& fiber) override;
  void fiber_suspended(const RunEvent& fiber, const WaitEvent& wait) override;
  void fiber_cancelled(const RunEvent& fiber) override;
  void deadline_hit(const ScopeEvent& scope, double deadline_ms) override;
  void grace_expired(const ScopeEvent* scope, std::size_t hard_aborted) override;

  /// The trace as JSON text ({"traceEvents": [...], ...}). Waits still
  /// open end now. May throw std::bad_alloc.
  std::string json() const;
  /// The HTML page: the timeline viewer with the trace inside. May throw
  /// std::bad_alloc.
  std::string html() const;
  /// Writes json() (html() when `as_html`) to `path`, streamed to the file
  /// as it is made (the text is never held whole in memory). Returns an
  /// empty string, or why it could not.
  std::string write(const char* path, bool as_html) const;

  /// Events lost for lack of memory (the trace then says so).
  std::uint64_t dropped() const { return dropped_; }

 private:
  // Events are kept small and formatted when written: recording one costs
  // a push onto a vector, so that tracing a spawn-heavy program stays
  // within twice its untraced time.
  enum class Kind : std::uint8_t { run, body_run, wait, spawn, spawn_flow, join_flow, preempt, cancel, end,
                                   deadline, grace };
  // An event is plain data (its texts, which few kinds have, live in
  // texts_), so that recording one and growing the vector is a copy.
  static constexpr std::uint32_t kNoText = ~std::uint32_t{0};
  struct Event {
    Kind kind;
    bool flow_end;         // flows: 'f' (else 's')
    std::uint64_t track;   // the task number (0: main chunk); deadline, grace: the scope's pid (0: global)
    std::uint64_t ts;      // ns since origin_ns_ (written as µs)
    std::uint64_t dur;     // ns; run, body_run, wait
    std::uint64_t number;  // spawn, flows: the task; body_run: the scope; end: the Outcome
    // Index in texts_ of its text (wait: its name; end: the error;
    // deadline, grace: the detail), followed by its detail (wait: what it
    // says of itself); kNoText: none.
    std::uint32_t text = kNoText;
  };
  /// A fiber between a suspension and its next resume.
  struct Pending {
    std::uint64_t since = 0;  // ns
    std::string what;
    std::string detail;
    std::uint64_t join_target = 0;
    bool waiting = false;
    bool started = false;  // resumed at least once
  };
  /// A task's track, indexed by its number (0: the main chunk).
  struct Track {
    std::uint64_t pid = 0;  // 0: not spawned (yet)
    std::string name;
    bool has_name = false;
    bool spawn_flow = false;  // its spawn started a flow (spawned by running code)
    bool ended = false;
    std::uint64_t finished = 0;  // ns, once ended
    Pending pending;
  };
  using FiberKey = std::pair<std::uint64_t, std::uint64_t>;  // task number, body_of

  std::uint64_t now_ns() const;
  std::uint64_t pid_of(std::uint64_t task) const;
  /// Appends the task's track name ("t3 fetch", "main chunk") to `out`.
  void append_track_label(std::string& out, std::uint64_t task) const;
  /// Writes the trace's JSON to `sink` (trace_output.cpp's TraceSink, a
  /// chunk at a time). May throw std::bad_alloc.
  template <class Sink>
  void write_json(Sink& sink) const;
  /// The page with the trace inside, to `sink` likewise.
  template <class Sink>
  void write_page(Sink& sink) const;
  /// The fiber's Pending, made on first use; null if out of memory.
  Pending* pending(const FiberKey& key);
  void add(const Event& event);
  /// Adds an event with its text and detail (texts_).
  void add(Event event, std::string text, std::string detail);
  /// The event's text (which = 0) or detail (1); empty if it has none.
  std::string_view text_of(const Event& event, int which) const;
  void close_wait(const FiberKey& key, Pending& pending, std::uint64_t until);

  std::uint64_t origin_ns_;
  std::vector<Track> tracks_;
  std::map<FiberKey, Pending> bodies_;            // scope bodies between resumes
  std::map<std::uint64_t, std::string> scopes_;   // process names, by scope number
  std::vector<Event> events_;
  std::vector<std::string> texts_;
  std::uint64_t running_ = 0;  // the task number of the fiber resumed now
  std::uint64_t resumed_at_ = 0;  // ns
  bool in_resume_ = false;
  std::uint64_t dropped_ = 0;
};

}  // namespace lua_batteries
