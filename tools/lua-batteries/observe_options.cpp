// The runner's --stats, --trace and --trace-html (observe_options.hpp).
#include "observe_options.hpp"

#include <cstdio>
#include <string_view>

namespace lua_batteries::runner {
bool parse_observe_option(int argc, char** argv, int& i, ObserveOptions& options,
                          std::optional<UsageError>& error) {
  if (std::string_view(argv[i]) == "--stats") {
    options.stats = true;
    return true;
  }
  for (auto [name, slot] : {std::pair{"--trace-html", &options.trace_html}, std::pair{"--trace", &options.trace}}) {
    const char* value = nullptr;
    if (!match_valued_option(argc, argv, i, name, value)) continue;
    if (value == nullptr || *value == '\0')
      error = missing_value(name);
    else
      *slot = value;
    return true;
  }
  return false;
}

Observer* Observers::install(Observer* runner_observer) {
  if (!options_.stats && !options_.trace && !options_.trace_html) return runner_observer;
  fan_out_.add(runner_observer);
  if (options_.stats) {
    stats_ = std::make_unique<RunStats>();
    fan_out_.add(stats_.get());
  }
  if (options_.trace || options_.trace_html) {
    trace_ = std::make_unique<TraceWriter>();
    fan_out_.add(trace_.get());
  }
  return &fan_out_;
}

bool Observers::finish() {
  bool ok = true;
  if (stats_) {
    const std::string text = "lua-batteries: " + stats_->report();
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
  if (!trace_) return ok;
  for (auto [path, as_html] : {std::pair{options_.trace, false}, std::pair{options_.trace_html, true}}) {
    if (!path) continue;
    const std::string error = trace_->write(path, as_html);
    if (error.empty()) continue;
    std::fprintf(stderr, "lua-batteries: cannot write the trace to %s: %s\n", path, error.c_str());
    ok = false;
  }
  return ok;
}

}  // namespace lua_batteries::runner
