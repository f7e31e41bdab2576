#include "io/fs_job.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <new>

#include "io/fs_file.hpp"
#include "io/io_context.hpp"
#include "io/io_error.hpp"

namespace lua_batteries::io {
namespace {

constexpr const char* kJobMetatable = "std.fs.Job";
constexpr std::size_t kChunk = 64 * 1024;

// --- the work, on a threadpool thread: system calls only, no Lua.

bool fail(FsJob& job, const char* what, int err = errno) {
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

void read_file(FsJob& job) {
  const int fd = ::open(job.path.c_str(), O_RDONLY | O_CLOEXEC);
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
  ::close(fd);
}

// A temporary file next to the target, written whole, then renamed over
// it: a reader sees the old file or the new one, never a part.
void write_file(FsJob& job) {
  std::string temp = job.path;
  char suffix[48];
  std::snprintf(suffix, sizeof suffix, ".tmp-%d-%p", static_cast<int>(::getpid()), static_cast<void*>(&job));
  temp += suffix;
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    fail(job, "cannot write");
    return;
  }
  const bool written = write_all(fd, job.data.data(), job.data.size());
  const int write_errno = errno;
  if (::close(fd) != 0 || !written) {
    fail(job, "cannot write", written ? errno : write_errno);
    ::unlink(temp.c_str());
    return;
  }
  if (::rename(temp.c_str(), job.path.c_str()) != 0) {
    fail(job, "cannot write");
    ::unlink(temp.c_str());
  }
}

void append_file(FsJob& job) {
  const int fd = ::open(job.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
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

void stat_path(FsJob& job) {
  if (::lstat(job.path.c_str(), &job.st) == 0) return;
  if (errno == ENOENT || errno == ENOTDIR)
    job.exists = false;
  else
    fail(job, "cannot stat");
}

void list_dir(FsJob& job) {
  DIR* dir = ::opendir(job.path.c_str());
  if (!dir) {
    fail(job, "cannot list");
    return;
  }
  errno = 0;
  while (const dirent* e = ::readdir(dir)) {
    const char* n = e->d_name;
    if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
    job.names.emplace_back(n);
  }
  if (errno != 0) fail(job, "cannot list");
  ::closedir(dir);
  std::sort(job.names.begin(), job.names.end());
}

void make_dir(FsJob& job) {
  if (!job.parents) {
    if (::mkdir(job.path.c_str(), 0777) != 0) fail(job, "cannot create directory");
    return;
  }
  // Each prefix in turn; an existing directory is fine.
  std::string& p = job.path;
  for (std::size_t i = 1; i <= p.size(); ++i) {
    if (i < p.size() && p[i] != '/') continue;
    const char saved = i < p.size() ? p[i] : 0;
    if (i < p.size()) p[i] = 0;
    struct stat st {};
    const bool ok = ::mkdir(p.c_str(), 0777) == 0 || (errno == EEXIST && ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
    const int err = errno;
    if (i < p.size()) p[i] = saved;
    if (!ok) {
      fail(job, "cannot create directory", err == EEXIST ? ENOTDIR : err);
      return;
    }
  }
}

// Removes `path` and, for a directory, everything in it; the first
// failure stops it and is reported with the path that failed.
bool remove_tree(FsJob& job, std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return fail(job, "cannot remove");
  if (S_ISDIR(st.st_mode)) {
    DIR* dir = ::opendir(path.c_str());
    if (!dir) return fail(job, "cannot remove");
    std::vector<std::string> children;
    while (const dirent* e = ::readdir(dir)) {
      const char* n = e->d_name;
      if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
      children.emplace_back(n);
    }
    ::closedir(dir);
    for (const std::string& child : children) {
      std::string sub = path + "/" + child;
      if (!remove_tree(job, sub)) return false;
    }
    if (::rmdir(path.c_str()) != 0) {
      job.failed_path = path;
      return fail(job, "cannot remove");
    }
    return true;
  }
  if (::unlink(path.c_str()) != 0) {
    job.failed_path = path;
    return fail(job, "cannot remove");
  }
  return true;
}

void remove_path(FsJob& job) {
  if (job.recursive) {
    std::string path = job.path;
    remove_tree(job, path);
    if (job.failed_path == job.path) job.failed_path.clear();
    return;
  }
  if (::remove(job.path.c_str()) != 0) fail(job, "cannot remove");
}

void do_work(uv_work_t* req) {
  FsJob& job = *static_cast<FsJob*>(req->data);
  try {
    switch (job.kind) {
      case FsJob::Kind::read_file: read_file(job); break;
      case FsJob::Kind::write_file: write_file(job); break;
      case FsJob::Kind::append_file: append_file(job); break;
      case FsJob::Kind::open:
        job.fd = ::open(job.path.c_str(), job.flags | O_CLOEXEC, 0666);
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
      case FsJob::Kind::rename:
        if (::rename(job.path.c_str(), job.path2.c_str()) != 0) fail(job, "cannot rename");
        break;
    }
  } catch (const std::bad_alloc&) {
    fail(job, "out of memory for", ENOMEM);
  }
}

// --- back on the loop thread.

void after_work(uv_work_t* req, int status) {
  FsJob& job = *static_cast<FsJob*>(req->data);
  job.in_flight = false;
  if (status == UV_ECANCELED) job.error = UV_ECANCELED;  // it never ran
  if (job.file) job.file->job_done(job);
  // A descriptor the job opened for a task that no longer waits, or one a
  // closed File left to it.
  if (job.owns_fd && job.fd >= 0 && (job.interrupted || job.kind != FsJob::Kind::open)) {
    ::close(job.fd);
    job.fd = -1;
  }
  if (job.lua_gone) {
    delete &job;
    return;
  }
  if (job.interrupted) return;
  // A cancelled call whose request changed something returns what it did
  // (an operation that happened returns); one that never ran, or only
  // read, raises `task cancelled` and its result is discarded.
  const bool ran = status != UV_ECANCELED;
  if (job.awaiter.cancel_requested() && !(ran && job.has_effect())) {
    job.awaiter.complete_interrupted();
  } else {
    job.awaiter.complete();
  }
}

// Deferred cancel: the task waits until the request is done, so that a
// cancelled call leaves nothing running. cancel_requested cancels a
// request that has not started; after_work then decides how the call ends.
// The end of the wait (a discarded result, or a hard abort at once)
// releases what the job holds.
void on_interrupt(Awaiter& a, Interruption why) {
  auto& job = *static_cast<FsJob*>(a.user_data());
  if (job.in_flight) uv_cancel(reinterpret_cast<uv_req_t*>(&job.work));  // fails harmlessly once running
  if (why == Interruption::cancel_requested) return;
  job.interrupted = true;
  if (job.waiting_file) {
    job.waiting_file->busy = false;
    job.waiting_file = nullptr;
  }
  if (!job.in_flight && job.file) {  // never started: its File forgets it
    job.file->job = nullptr;
    job.file = nullptr;
  }
  if (!job.in_flight && job.owns_fd && job.fd >= 0) {
    ::close(job.fd);  // opened for a task that no longer waits
    job.fd = -1;
  }
}

int job_gc(lua_State* L) {
  auto** slot = static_cast<FsJob**>(lua_touserdata(L, 1));
  FsJob* job = *slot;
  *slot = nullptr;
  if (job) job->drop_lua_object();
  return 0;
}

}  // namespace

FsJob::FsJob() : awaiter(&on_interrupt, this, CancelMode::deferred) { work.data = this; }

int FsJob::start(uv_loop_t* loop) {
  const int r = uv_queue_work(loop, &work, &do_work, &after_work);
  if (r == 0) in_flight = true;
  return r;
}

bool FsJob::has_effect() const {
  switch (kind) {
    case Kind::write_file:
    case Kind::append_file:
    case Kind::pwrite:
    case Kind::mkdir:
    case Kind::remove:
    case Kind::rename: return true;
    case Kind::open: return (flags & (O_CREAT | O_TRUNC)) != 0;  // "w" and "a" modes
    case Kind::read_file:
    case Kind::pread:
    case Kind::file_size:
    case Kind::stat:
    case Kind::list: return false;
  }
  return false;
}

void FsJob::drop_lua_object() {
  interrupted = true;
  if (in_flight) {
    lua_gone = true;
    uv_cancel(reinterpret_cast<uv_req_t*>(&work));
    return;
  }
  if (owns_fd && fd >= 0) ::close(fd);  // opened, never handed to a File
  delete this;
}

int start_and_await_job(lua_State* L, FsJob& job, const char* op, lua_KFunction k, lua_KContext ctx) {
  if (effective_token(L).is_cancelled()) {
    // Queued, a threadpool thread could take it before uv_cancel: the job
    // never starts (its File forgets it) and the call raises.
    on_interrupt(job.awaiter, Interruption::aborted);
    return check_cancelled(L);
  }
  const int r = job.start(context(L).loop);
  if (r < 0) {
    on_interrupt(job.awaiter, Interruption::aborted);  // unlinks its File
    raise_uv_error(L, op, "cannot queue", job.path.c_str(), r);
  }
  return await(L, job.awaiter, op, k, ctx);
}

FsJob& push_fs_job(lua_State* L) {
  auto** slot = static_cast<FsJob**>(lua_newuserdatauv(L, sizeof(FsJob*), 0));
  *slot = nullptr;
  luaL_setmetatable(L, kJobMetatable);
  auto* job = new (std::nothrow) FsJob;
  if (!job) luaL_error(L, "not enough memory");
  *slot = job;
  return *job;
}

FsJob& fs_job_at(lua_State* L, int index) { return **static_cast<FsJob**>(lua_touserdata(L, index)); }

void init_fs_jobs(lua_State* L) {
  luaL_newmetatable(L, kJobMetatable);
  lua_pushcfunction(L, job_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
}

}  // namespace lua_batteries::io
