#include "io/fs_work.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <cerrno>
#include <cstdio>
#include <new>

#include "io/fs_job.hpp"

namespace lua_batteries::io {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

// A directory stream closed however the work ends (std::bad_alloc too).
struct CloseDir {
  void operator()(DIR* d) const { ::closedir(d); }
};
using DirStream = std::unique_ptr<DIR, CloseDir>;

bool fail(FsJob& job, const char* what, int err = errno) {
  if (job.sandbox && Sandbox::is_escape(err)) job.denied = true;
  job.what = what;
  job.error = -err;
  return false;
}

// write(2) until all of [data, data + len) is written.
bool write_all(int fd, const char* data, std::size_t len) {
  while (len > 0) {
    const ssize_t n = ::write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return true;
}

// --- resolving the job's paths: as given, or beneath a sandbox root.

// open(2) of path 1 (or 2): a descriptor, or -1 with errno set.
int open_path(FsJob& job, int flags, mode_t mode = 0666, bool second = false) {
  if (!job.sandbox) return ::open((second ? job.path2 : job.path).c_str(), flags | O_CLOEXEC, mode);
  const int fd = Sandbox::open_beneath(second ? job.where2 : job.where, flags, mode);
  if (fd >= 0) return fd;
  errno = -fd;
  return -1;
}

/// A directory to act in with the *at calls and the last component's name.
struct Parent {
  int dir = AT_FDCWD;
  std::string name;
  Parent() = default;
  Parent(const Parent&) = delete;
  Parent& operator=(const Parent&) = delete;
  ~Parent() {
    if (dir >= 0) ::close(dir);
  }
};

// The parent of `relative` (a path beneath `root_fd`) opened beneath the
// root, and the last component. False with errno set.
bool open_parent_beneath(int root_fd, const std::string& relative, Parent& out) {
  std::string rel = relative;
  while (rel.size() > 1 && rel.back() == '/') rel.pop_back();
  const auto slash = rel.rfind('/');
  const Sandbox::Location parent{root_fd, slash == std::string::npos ? std::string(".") : rel.substr(0, slash)};
  out.name = slash == std::string::npos ? rel : rel.substr(slash + 1);
  if (out.name == "..") {  // the directory above the parent: resolve it whole
    errno = EXDEV;
    return false;
  }
  const int fd = Sandbox::open_beneath(parent, O_PATH | O_DIRECTORY);
  if (fd < 0) {
    errno = -fd;
    return false;
  }
  out.dir = fd;
  return true;
}

// Path 1 (or 2) as a Parent: AT_FDCWD and the path itself without a
// sandbox.
bool parent_of(FsJob& job, Parent& out, bool second = false) {
  if (!job.sandbox) {
    out.name = second ? job.path2 : job.path;
    return true;
  }
  const Sandbox::Location& where = second ? job.where2 : job.where;
  return open_parent_beneath(where.dir_fd, where.relative, out);
}

// --- the operations.

// A descriptor closed however the work ends (std::bad_alloc too).
struct Descriptor {
  int fd;
  explicit Descriptor(int fd) : fd(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

void read_file(FsJob& job) {
  const Descriptor opened(open_path(job, O_RDONLY));
  const int fd = opened.fd;
  if (fd < 0) {
    fail(job, "cannot open");
    return;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) job.data.reserve(static_cast<std::size_t>(st.st_size));
  for (;;) {
    const std::size_t old = job.data.size();
    job.data.resize(old + kChunk);
    const ssize_t n = ::read(fd, job.data.data() + old, kChunk);
    if (n < 0 && errno == EINTR) {
      job.data.resize(old);
      continue;
    }
    job.data.resize(old + (n > 0 ? static_cast<std::size_t>(n) : 0));
    if (n < 0) fail(job, "cannot read");
    if (n <= 0) break;
  }
}

// A temporary file next to the target, written whole, then renamed over
// it: a reader sees the old file or the new one, never a part.
void write_file(FsJob& job) {
  Parent parent;
  if (!parent_of(job, parent)) {
    fail(job, "cannot write");
    return;
  }
  std::string temp = parent.name;
  char suffix[48];
  std::snprintf(suffix, sizeof suffix, ".tmp-%d-%p", static_cast<int>(::getpid()), static_cast<void*>(&job));
  temp += suffix;
  const int fd = ::openat(parent.dir, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) {
    fail(job, "cannot write");
    return;
  }
  const bool written = write_all(fd, job.data.data(), job.data.size());
  const int write_errno = errno;
  if (::close(fd) != 0 || !written) {
    fail(job, "cannot write", written ? errno : write_errno);
    ::unlinkat(parent.dir, temp.c_str(), 0);
    return;
  }
  if (::renameat(parent.dir, temp.c_str(), parent.dir, parent.name.c_str()) != 0) {
    fail(job, "cannot write");
    ::unlinkat(parent.dir, temp.c_str(), 0);
  }
}

void append_file(FsJob& job) {
  const int fd = open_path(job, O_WRONLY | O_CREAT | O_APPEND);
  if (fd < 0) {
    fail(job, "cannot open");
    return;
  }
  if (!write_all(fd, job.data.data(), job.data.size())) fail(job, "cannot write");
  ::close(fd);
}

void pread_chunk(FsJob& job) {
  job.data.resize(job.count);
  ssize_t n;
  do n = ::pread(job.fd, job.data.data(), job.count, job.offset);
  while (n < 0 && errno == EINTR);
  job.data.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  if (n < 0) fail(job, "cannot read");
}

void pwrite_all(FsJob& job) {
  const char* p = job.data.data();
  std::size_t left = job.data.size();
  std::int64_t at = job.offset;
  while (left > 0) {
    // O_APPEND writes go to the end whatever the offset: plain write(2).
    const ssize_t n = job.append ? ::write(job.fd, p, left) : ::pwrite(job.fd, p, left, at);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(job, "cannot write");
      return;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
    at += n;
  }
  job.position = job.append ? static_cast<std::int64_t>(::lseek(job.fd, 0, SEEK_END)) : at;
}

// lstat(2) semantics: a symlink is reported, not followed.
void stat_path(FsJob& job) {
  const int fd = open_path(job, O_PATH | O_NOFOLLOW);
  const bool ok = fd >= 0 && ::fstat(fd, &job.st) == 0;
  const int err = errno;
  if (fd >= 0) ::close(fd);
  if (ok) return;
  if (err == ENOENT || err == ENOTDIR)
    job.exists = false;
  else
    fail(job, "cannot stat", err);
}

void list_dir(FsJob& job) {
  const int fd = open_path(job, O_RDONLY | O_DIRECTORY);
  DirStream dir(fd >= 0 ? ::fdopendir(fd) : nullptr);
  if (!dir) {
    fail(job, "cannot list");
    if (fd >= 0) ::close(fd);
    return;
  }
  errno = 0;
  while (const dirent* e = ::readdir(dir.get())) {
    const char* n = e->d_name;
    if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
    job.names.emplace_back(n);
  }
  if (errno != 0) fail(job, "cannot list");
  dir.reset();
  std::sort(job.names.begin(), job.names.end());
}

// mkdir of `path` (as given, or relative to the job's root) in its parent.
bool make_one(FsJob& job, const std::string& path) {
  Parent parent;
  const bool found = job.sandbox ? open_parent_beneath(job.where.dir_fd, path, parent)
                                 : (parent.name = path, true);
  return found && ::mkdirat(parent.dir, parent.name.c_str(), 0777) == 0;
}

// Whether `path` (as above) is a directory, following symlinks beneath the root.
bool is_directory(FsJob& job, const std::string& path) {
  int fd;
  if (job.sandbox) {
    fd = Sandbox::open_beneath({job.where.dir_fd, path}, O_PATH | O_DIRECTORY);
    if (fd < 0) errno = -fd;
  } else {
    fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  }
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

void make_dir(FsJob& job) {
  std::string p = job.sandbox ? job.where.relative : job.path;
  if (!job.parents) {
    if (!make_one(job, p)) fail(job, "cannot create directory");
    return;
  }
  // Each prefix in turn; an existing directory is fine.
  for (std::size_t i = 1; i <= p.size(); ++i) {
    if (i < p.size() && p[i] != '/') continue;
    const std::string prefix = p.substr(0, i);
    if (prefix == "/" || prefix == ".") continue;
    if (make_one(job, prefix)) continue;
    const int err = errno;
    if (err != EEXIST) {
      fail(job, "cannot create directory", err);
      return;
    }
    if (!is_directory(job, prefix)) {
      fail(job, "cannot create directory", errno == ENOTDIR || errno == ENOENT ? ENOTDIR : errno);
      return;
    }
  }
}

// Removes `name` in `dir` and, for a directory, everything in it, never
// following a symlink; the first failure stops it and is reported with
// the path that failed (`shown`, the name as the script would see it).
bool remove_tree(FsJob& job, int dir, const std::string& name, const std::string& shown) {
  struct stat st {};
  if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail(job, "cannot remove");
  if (S_ISDIR(st.st_mode)) {
    const int fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DirStream d(fd >= 0 ? ::fdopendir(fd) : nullptr);
    if (!d) {
      if (fd >= 0) ::close(fd);
      job.failed_path = shown;
      return fail(job, "cannot remove");
    }
    std::vector<std::string> children;
    while (const dirent* e = ::readdir(d.get())) {
      const char* n = e->d_name;
      if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
      children.emplace_back(n);
    }
    for (const std::string& child : children)
      if (!remove_tree(job, ::dirfd(d.get()), child, shown + "/" + child)) return false;
    d.reset();
    if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0) {
      job.failed_path = shown;
      return fail(job, "cannot remove");
    }
    return true;
  }
  if (::unlinkat(dir, name.c_str(), 0) != 0) {
    job.failed_path = shown;
    return fail(job, "cannot remove");
  }
  return true;
}

void remove_path(FsJob& job) {
  Parent parent;
  if (!parent_of(job, parent)) {
    fail(job, "cannot remove");
    return;
  }
  if (job.recursive) {
    remove_tree(job, parent.dir, parent.name, job.path);
    if (job.failed_path == job.path) job.failed_path.clear();
    return;
  }
  // remove(3): a file, else an empty directory.
  if (::unlinkat(parent.dir, parent.name.c_str(), 0) == 0) return;
  if (errno == EISDIR && ::unlinkat(parent.dir, parent.name.c_str(), AT_REMOVEDIR) == 0) return;
  fail(job, "cannot remove");
}

void rename_path(FsJob& job) {
  Parent from, to;
  if (!parent_of(job, from) || !parent_of(job, to, true) ||
      ::renameat(from.dir, from.name.c_str(), to.dir, to.name.c_str()) != 0)
    fail(job, "cannot rename");
}

}  // namespace

void run_fs_work(FsJob& job) {
  try {
    switch (job.kind) {
      case FsJob::Kind::read_file: read_file(job); break;
      case FsJob::Kind::write_file: write_file(job); break;
      case FsJob::Kind::append_file: append_file(job); break;
      case FsJob::Kind::open:
        job.fd = open_path(job, job.flags);
        if (job.fd < 0) fail(job, "cannot open");
        break;
      case FsJob::Kind::pread: pread_chunk(job); break;
      case FsJob::Kind::pwrite: pwrite_all(job); break;
      case FsJob::Kind::file_size:
        if (::fstat(job.fd, &job.st) != 0) fail(job, "cannot seek");
        break;
      case FsJob::Kind::stat: stat_path(job); break;
      case FsJob::Kind::list: list_dir(job); break;
      case FsJob::Kind::mkdir: make_dir(job); break;
      case FsJob::Kind::remove: remove_path(job); break;
      case FsJob::Kind::rename: rename_path(job); break;
    }
  } catch (const std::bad_alloc&) {
    fail(job, "out of memory for", ENOMEM);
  }
}

}  // namespace lua_batteries::io
