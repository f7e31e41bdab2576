// The built-in process policy (lua_batteries/policy.hpp): lists of real
// program paths and of environment variable names.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "lua_batteries/policy.hpp"

namespace lua_batteries {
namespace {

std::optional<std::string> real_path(const std::string& path) {
  char real[PATH_MAX];
  if (::realpath(path.c_str(), real) == nullptr) return std::nullopt;
  return std::string(real);
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<std::string> canonical_program(std::string_view name) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string_view::npos) return real_path(std::string(name));
  const char* path_env = std::getenv("PATH");
  std::string_view dirs = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + std::string(name);
    if (is_executable_file(candidate)) return real_path(candidate);
    if (colon == std::string_view::npos) return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

bool ProcessAllowList::allows_program(std::string_view absolute_path) const {
  const auto real = real_path(std::string(absolute_path));
  if (!real) return false;
  return std::find(programs.begin(), programs.end(), *real) != programs.end();
}

bool ProcessAllowList::allows_env(std::string_view name) const { return env_names.count(name) != 0; }

}  // namespace lua_batteries
