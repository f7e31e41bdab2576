// The built-in process policy (lua_batteries/policy.hpp): lists of real
// program paths and of environment variable names.
#include <algorithm>
#include <climits>
#include <cstdlib>

#include "core/path_search.hpp"
#include "lua_batteries/policy.hpp"

namespace lua_batteries {
namespace {

std::optional<std::string> real_path(const std::string& path) {
  char real[PATH_MAX];
  if (::realpath(path.c_str(), real) == nullptr) return std::nullopt;
  return std::string(real);
}

}  // namespace

std::optional<std::string> canonical_program(std::string_view name, std::string_view from_dir) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string_view::npos) return real_path(detail::resolve_from(from_dir, name));
  const detail::PathMatch found = detail::search_path(std::getenv("PATH"), name, from_dir);
  if (found.program.empty()) return std::nullopt;
  return real_path(detail::resolve_from(from_dir, found.program));
}

bool ProcessAllowList::allows_program(std::string_view absolute_path) const {
  const auto real = real_path(std::string(absolute_path));
  if (!real) return false;
  return std::find(programs.begin(), programs.end(), *real) != programs.end();
}

bool ProcessAllowList::allows_env(std::string_view name) const { return env_names.count(name) != 0; }

}  // namespace lua_batteries
