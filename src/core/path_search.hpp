// Finding a program on a search path the way execvp(3) does, for the two
// places that must agree on it: std.process, which looks a bare name up
// on the child's PATH when it gives the child an environment of its own,
// and the process policy (canonical_program), which looks it up on the
// host's PATH before it checks it.
#pragma once

#include <string>
#include <string_view>

namespace lua_batteries::detail {

/// The search path execvp uses when PATH is unset: the C library's
/// confstr(_CS_PATH), "/bin:/usr/bin" with glibc.
const std::string& default_search_path();

/// `path` as seen from directory `from_dir`: unchanged when it is
/// absolute or `from_dir` is empty (this process's working directory),
/// else "from_dir/path".
std::string resolve_from(std::string_view from_dir, std::string_view path);

/// What search_path found.
struct PathMatch {
  /// "dir/name" as built (relative to the `from_dir` given when `dir` is
  /// relative); empty when no entry has the program.
  std::string program;
  /// Some entry had something of that name that is not an executable
  /// file: execvp then fails with EACCES rather than ENOENT.
  bool passed_over = false;
};

/// The first "dir/name" for `dir` in `path_value` (a PATH value, entries
/// separated by ':'; nullptr when PATH is unset: default_search_path())
/// that is a regular file this process may execute (access X_OK): a
/// directory or a file without execute permission of that name, or an
/// entry this process may not search, is passed over, as execvp passes
/// over an entry whose exec fails with EACCES. An
/// empty entry is the current directory ("./name"), as for execvp. A
/// relative entry is taken from `from_dir` (see resolve_from): the
/// working directory the program will start in, since exec resolves it
/// there. `name` must not contain '/'. May throw std::bad_alloc.
PathMatch search_path(const char* path_value, std::string_view name, std::string_view from_dir = {});

}  // namespace lua_batteries::detail
