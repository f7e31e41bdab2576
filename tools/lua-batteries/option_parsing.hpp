// What the runner's option parsers (main.cpp, policy_options.hpp,
// observe_options.hpp) share: matching an option that takes a value, and
// the error that refuses a command line.
#pragma once

#include <string>
#include <string_view>

namespace lua_batteries::runner {

/// A command line we refuse. `show_usage` adds the usage text, as lua does
/// for an option it does not know or one whose value is missing; a value
/// that is there but wrong is only named.
struct UsageError {
  std::string message;
  bool show_usage = false;
};

/// "'--name' needs argument", with the usage text.
UsageError missing_value(std::string_view option);

/// Matches argv[i] against the long option `name`, which takes a value as
/// "--name=value" or as the next argument. On a match advances `i` past the
/// value and stores it in `value` (nullptr when the value is missing).
bool match_valued_option(int argc, char** argv, int& i, std::string_view name, const char*& value);

}  // namespace lua_batteries::runner
