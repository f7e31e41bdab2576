// The built-in path policy (lua_batteries/policy.hpp): root directories
// held as O_PATH descriptors, paths resolved beneath them by openat2.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>
#include <system_error>

#include "lua_batteries/policy.hpp"

namespace lua_batteries {
namespace {

// `path` without trailing slashes and with runs of slashes folded ("/"
// stays "/"), so that roots and paths compare component by component.
std::string fold_slashes(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (const char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// The rest of `path` beneath `root` ("." for the root itself), if `root`
// is a leading run of its components.
std::optional<std::string> beneath(const std::string& path, const std::string& root) {
  if (root.empty()) return std::nullopt;
  if (root == "/") {
    if (path.empty() || path[0] != '/') return std::nullopt;
    return path.size() == 1 ? std::string(".") : path.substr(1);
  }
  if (path.compare(0, root.size(), root) != 0) return std::nullopt;
  if (path.size() == root.size()) return std::string(".");
  if (path[root.size()] != '/') return std::nullopt;
  return path.substr(root.size() + 1);
}

bool grants(Sandbox::Mode mode, PathAccess access) {
  return mode == Sandbox::Mode::read_write || access == PathAccess::read || access == PathAccess::list;
}

}  // namespace

const char* path_access_name(PathAccess access) {
  switch (access) {
    case PathAccess::read: return "read";
    case PathAccess::write: return "write";
    case PathAccess::remove: return "remove";
    case PathAccess::list: return "list";
  }
  return "?";
}

Sandbox::Sandbox(const std::vector<Root>& roots) {
  roots_.reserve(roots.size());
  for (const Root& root : roots) {
    OpenRoot open;
    open.mode = root.mode;
    open.path = fold_slashes(root.path);
    if (!open.path.empty() && open.path[0] != '/') {  // matched against absolute paths
      char cwd[PATH_MAX];
      if (::getcwd(cwd, sizeof cwd) != nullptr) open.path = fold_slashes(std::string(cwd) + "/" + open.path);
    }
    open.fd = ::open(root.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (open.fd < 0) throw std::system_error(errno, std::generic_category(), "sandbox root '" + root.path + "'");
    roots_.push_back(open);  // closed by the destructor from here on
    char real[PATH_MAX];
    if (::realpath(root.path.c_str(), real) != nullptr) roots_.back().real_path = fold_slashes(real);
  }
  // Probe once: without openat2 the sandbox could not hold.
  if (!roots_.empty()) {
    const int fd = open_beneath(Location{roots_.front().fd, "."}, O_PATH | O_DIRECTORY);
    if (fd == -ENOSYS) {
      for (const OpenRoot& r : roots_) ::close(r.fd);
      roots_.clear();
      throw std::system_error(ENOSYS, std::generic_category(), "sandbox: openat2 (Linux 5.6 or later)");
    }
    if (fd >= 0) ::close(fd);
  }
}

Sandbox::~Sandbox() {
  for (const OpenRoot& root : roots_) ::close(root.fd);
}

std::optional<Sandbox::Location> Sandbox::locate(std::string_view path, PathAccess access) const {
  if (path.empty() || path.find('\0') != std::string_view::npos) return std::nullopt;
  std::string absolute;
  if (path[0] == '/') {
    absolute = fold_slashes(path);
  } else {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd) == nullptr) return std::nullopt;
    absolute = fold_slashes(std::string(cwd) + "/" + std::string(path));
  }
  const OpenRoot* best = nullptr;
  std::string best_rest;
  std::size_t best_len = 0;
  for (const OpenRoot& root : roots_) {
    if (!grants(root.mode, access)) continue;
    for (const std::string* name : {&root.path, &root.real_path}) {
      auto rest = beneath(absolute, *name);
      if (rest && (best == nullptr || name->size() > best_len)) {
        best = &root;
        best_rest = std::move(*rest);
        best_len = name->size();
      }
    }
  }
  if (best == nullptr) return std::nullopt;
  return Location{best->fd, std::move(best_rest)};
}

bool Sandbox::allows(std::string_view path, PathAccess access) const { return locate(path, access).has_value(); }

int Sandbox::open_beneath(const Location& location, int flags, mode_t mode) {
  open_how how{};
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  // O_TMPFILE holds O_DIRECTORY's bit: test it whole.
  how.mode = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  // EAGAIN: a rename raced the `..` resolution; bounded, so that a
  // script renaming in a loop cannot hold a thread forever.
  long fd;
  int retries = 16;
  do fd = ::syscall(SYS_openat2, location.dir_fd, location.relative.c_str(), &how, sizeof how);
  while (fd < 0 && (errno == EINTR || (errno == EAGAIN && --retries > 0)));
  return fd < 0 ? -errno : static_cast<int>(fd);
}

bool Sandbox::is_escape(int error) {
  if (error < 0) error = -error;
  return error == EXDEV || error == ELOOP;
}

}  // namespace lua_batteries
