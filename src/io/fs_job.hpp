// One std.fs request on libuv's threadpool (spec std-io.md section 4).
//
// A job is the whole operation, done with blocking system calls on a
// threadpool thread (read a file = open, read to the end, close; write =
// temporary file, write, fsync-free rename), so that its outcome is all or
// nothing for the task that waits. The await is of CancelMode::deferred:
// a cancelled call ends only once its request is done or known not to run,
// so nothing of it goes on after, and then
// - a job that had not started does not run (uv_cancel): the call raises
//   `task cancelled`;
// - a job with an effect (has_effect) that ran returns its outcome, result
//   or error, as if the task had not been cancelled: the change happened,
//   so the call says so; the cancellation is seen at the task's next
//   suspension point;
// - a job without one (a read) that ran is discarded: the call raises
//   `task cancelled`, and a descriptor it opened for nobody is closed.
//
// The work callback touches no Lua and allocates only into the job's own
// strings, catching std::bad_alloc as ENOMEM. A job is C++ memory apart
// from its Lua box: it is freed once its work is done and the box is gone.
#pragma once

#include <lua.hpp>
#include <sys/stat.h>
#include <uv.h>

#include <cstdint>
#include <string>
#include <vector>

#include <memory>

#include "lua_batteries/policy.hpp"
#include "lua_batteries/task.hpp"

namespace lua_batteries::io {

struct FileCore;

struct FsJob {
  enum class Kind : std::uint8_t {
    read_file,    // path -> data
    write_file,   // path, data (temporary file + rename)
    append_file,  // path, data
    open,         // path, flags -> fd
    pread,        // fd, offset, count -> data
    pwrite,       // fd, offset, data, append -> position after it
    file_size,    // fd -> size
    stat,         // path -> st (exists = false when there is none)
    list,         // path -> names (sorted)
    mkdir,        // path, parents
    remove,       // path, recursive
    rename,       // path -> path2
  };

  FsJob();
  FsJob(const FsJob&) = delete;
  FsJob& operator=(const FsJob&) = delete;

  /// Queues the work. Returns a libuv error, or 0.
  int start(uv_loop_t* loop);
  /// The Lua box is gone: free now, or once the work is done.
  void drop_lua_object();
  /// Whether running the job changes something outside the process's
  /// memory (a file's content, a directory entry): such a job that ran is
  /// reported to its task even when the task was cancelled meanwhile.
  bool has_effect() const;

  Kind kind = Kind::read_file;
  std::string path;
  std::string path2;
  std::string data;  // written, or read
  int flags = 0;
  int fd = -1;
  std::int64_t offset = 0;
  std::size_t count = 0;
  bool parents = false;
  bool recursive = false;
  bool append = false;
  /// Non-null: the paths resolve beneath this sandbox's roots, at `where`
  /// (and `where2`, rename's target), which the loop thread located. The
  /// job holds the sandbox, whose descriptors it uses, until it is freed.
  std::shared_ptr<const Sandbox> sandbox;
  Sandbox::Location where;
  Sandbox::Location where2;

  // results
  int error = 0;             // a libuv error (negative errno), or 0
  const char* what = "";     // the message's verb: "cannot open"
  std::string failed_path;   // the path that failed, when not `path`
  bool denied = false;       // the path left its sandbox root (error set too)
  struct stat st {};
  bool exists = true;
  std::vector<std::string> names;
  std::int64_t position = 0;

  uv_work_t work{};
  Awaiter awaiter;
  FileCore* file = nullptr;          // a File's job in flight: its core hears when it is done
  FileCore* waiting_file = nullptr;  // the File kept busy while a task awaits this job
  /// The job closes `fd` when done: one it opened (unless the waiting task
  /// takes it), or one its File left to it on close.
  bool owns_fd = false;
  bool in_flight = false;
  bool interrupted = false;  // nobody reads the result
  bool lua_gone = false;
};

/// [-0, +0, v] Starts the job and awaits it with continuation k (the job's
/// box must stay on the stack). In a task already cancelled the job is not
/// started at all and the call raises `task cancelled`, so that nothing
/// of it runs.
int start_and_await_job(lua_State* L, FsJob& job, const char* op, lua_KFunction k, lua_KContext ctx);
/// [-0, +1, m] Pushes a box owning a new job (raises "not enough memory"
/// with nothing made when there is none).
FsJob& push_fs_job(lua_State* L);
/// [-0, +0, -] The job in the box at `index`.
FsJob& fs_job_at(lua_State* L, int index);
/// [-0, +0, e] Creates the job box metatable; once per state.
void init_fs_jobs(lua_State* L);

}  // namespace lua_batteries::io
