// The names of the public enums, as Lua and the runner spell them.
#include "lua_batteries/observer.hpp"
#include "lua_batteries/task.hpp"

namespace lua_batteries {

const char* driver_name(Driver driver) { return driver == Driver::coroutine ? "coroutine" : "async_fn"; }

std::optional<Driver> parse_driver(std::string_view name) {
  if (name == "async_fn" || name == "async") return Driver::async_fn;
  if (name == "coroutine") return Driver::coroutine;
  return std::nullopt;
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
    case LogLevel::off: return "off";
  }
  return "?";
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (LogLevel level : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error,
                         LogLevel::off})
    if (name == log_level_name(level)) return level;
  return std::nullopt;
}

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::returned: return "returned";
    case Outcome::failed: return "failed";
    case Outcome::cancelled: return "cancelled";
    case Outcome::aborted: return "aborted";
  }
  return "?";
}

}  // namespace lua_batteries
