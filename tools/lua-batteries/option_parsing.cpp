#include "option_parsing.hpp"

#include <utility>

namespace lua_batteries::runner {

UsageError missing_value(std::string_view option) {
  std::string message = "'";
  message.append(option).append("' needs argument");
  return UsageError{std::move(message), true};
}

bool match_valued_option(int argc, char** argv, int& i, std::string_view name, const char*& value) {
  const std::string_view arg = argv[i];
  if (!arg.starts_with(name)) return false;
  if (arg.size() == name.size()) {
    value = i + 1 < argc ? argv[++i] : nullptr;
    return true;
  }
  if (arg[name.size()] != '=') return false;
  value = argv[i] + name.size() + 1;
  return true;
}

}  // namespace lua_batteries::runner
