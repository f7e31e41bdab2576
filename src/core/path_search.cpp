#include "core/path_search.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace lua_batteries::detail {
namespace {

enum class FileKind { none, executable, other };

// A path through a directory this process may not search is passed over
// like a file it may not execute: exec fails there with EACCES too.
FileKind kind_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno == EACCES ? FileKind::other : FileKind::none;
  return S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0 ? FileKind::executable : FileKind::other;
}

}  // namespace

const std::string& default_search_path() {
  static const std::string path = [] {
    std::string value(::confstr(_CS_PATH, nullptr, 0), '\0');
    if (!value.empty()) value.resize(::confstr(_CS_PATH, value.data(), value.size()) - 1);
    return value;
  }();
  return path;
}

std::string resolve_from(std::string_view from_dir, std::string_view path) {
  std::string resolved;
  if (!from_dir.empty() && !path.starts_with('/')) {
    resolved.assign(from_dir);
    resolved += '/';
  }
  resolved += path;
  return resolved;
}

PathMatch search_path(const char* path_value, std::string_view name, std::string_view from_dir) {
  std::string_view dirs = default_search_path();
  if (path_value != nullptr) dirs = path_value;
  PathMatch match;
  std::string candidate;
  while (true) {
    const auto colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    candidate.assign(dir.empty() ? std::string_view(".") : dir);
    candidate += '/';
    candidate += name;
    switch (kind_of(resolve_from(from_dir, candidate))) {
      case FileKind::executable: match.program = std::move(candidate); return match;
      case FileKind::other: match.passed_over = true; break;
      case FileKind::none: break;
    }
    if (colon == std::string_view::npos) return match;
    dirs.remove_prefix(colon + 1);
  }
}

}  // namespace lua_batteries::detail
