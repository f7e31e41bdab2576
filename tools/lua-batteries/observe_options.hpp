// lua-batteries: the runner's --stats, --trace and --trace-html. What they
// ask for is gathered by observers of the library (RunStats, TraceWriter)
// installed beside the runner's own, and reported once the session ends.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "lua_batteries/observer_fanout.hpp"
#include "lua_batteries/run_stats.hpp"
#include "lua_batteries/trace_writer.hpp"
#include "option_parsing.hpp"

namespace lua_batteries::runner {

struct ObserveOptions {
  bool stats = false;
  const char* trace = nullptr;       ///< --trace FILE
  const char* trace_html = nullptr;  ///< --trace-html FILE
};

/// Handles --stats, --trace FILE and --trace-html FILE (also "--opt=FILE")
/// at argv[i], advancing i past a value. Returns false if argv[i] is none
/// of them; sets `error` for a missing value.
bool parse_observe_option(int argc, char** argv, int& i, ObserveOptions& options, std::optional<UsageError>& error);

/// The observers the options ask for. Outlives the Lua state.
class Observers {
 public:
  explicit Observers(const ObserveOptions& options) : options_(options) {}

  /// The observer to install: `runner_observer` alone when nothing was
  /// asked for, else a fan-out to it and the others.
  Observer* install(Observer* runner_observer);
  /// After the state is closed: prints the --stats block to stderr and
  /// writes the trace files. Returns false if a file could not be written
  /// (the reason is printed).
  bool finish();

 private:
  ObserveOptions options_;
  ObserverFanOut fan_out_;
  std::unique_ptr<RunStats> stats_;
  std::unique_ptr<TraceWriter> trace_;
};

}  // namespace lua_batteries::runner
