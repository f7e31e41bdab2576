#include "option_parsing.hpp"

namespace lua_batteries::runner {

UsageError missing_value(std::string_view option) {
  return UsageError{"'" + std::string(option) + "' needs argument", true};
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
