// std.fs (spec std-io.md section 4): each function is one job on the
// threadpool (fs_job.hpp), awaited by the calling task.
//
// Every function reads its arguments into a new job, leaves the job's box
// alone at index 1 (index 2 holds the File that open and lines fill), and
// awaits it; its continuation reads the job's result or raises its error.
#include <fcntl.h>

#include <cstring>
#include <new>

#include "io/fs_file.hpp"
#include "io/fs_job.hpp"
#include "io/fs_module.hpp"
#include "io/io_context.hpp"
#include "io/io_error.hpp"
#include "io/policy_gate.hpp"

namespace lua_batteries::io {
namespace {

// [-0, +0, v] Puts the job's path (`second`: path2) under L's path
// policy, or raises its denial for `op` (nothing started yet). Under a
// Sandbox the job gets the root and the rest of the path, which the
// threadpool resolves beneath the root; the sandbox's verdict on what is
// on disk comes with the work (FsJob::denied).
void govern(lua_State* L, FsJob& job, const char* op, PathAccess access, bool second = false) {
  const Policy& policy = policy_of(L);
  if (!policy.paths) return;
  const std::string& path = second ? job.path2 : job.path;
  const Sandbox* sandbox = policy.paths->as_sandbox();
  if (sandbox == nullptr) {
    check_path(L, op, path.c_str(), access);
    return;
  }
  bool located = false, out_of_memory = false;
  try {
    if (auto where = sandbox->locate(path, access)) {
      (second ? job.where2 : job.where) = std::move(*where);
      job.sandbox = std::shared_ptr<const Sandbox>(policy.paths, sandbox);
      located = true;
    }
  } catch (const std::bad_alloc&) {
    out_of_memory = true;
  }
  if (out_of_memory) luaL_error(L, "not enough memory");
  if (!located) raise_denied(L, op, path.c_str());
}

// [-0, +1, e] A new job at the top of the stack, with `path` (the string
// argument at index 1) copied into it.
FsJob& new_job(lua_State* L, FsJob::Kind kind) {
  std::size_t len = 0;
  const char* path = luaL_checklstring(L, 1, &len);
  FsJob& job = push_fs_job(L);
  job.kind = kind;
  bool copied = false;
  try {
    job.path.assign(path, len);
    copied = true;
  } catch (const std::bad_alloc&) {
  }
  if (!copied) luaL_error(L, "not enough memory");
  return job;
}

// [-0, +0, v] Copies the string argument at `index` into `to`.
void copy_string(lua_State* L, int index, std::string& to) {
  std::size_t len = 0;
  const char* s = luaL_checklstring(L, index, &len);
  bool copied = false;
  try {
    to.assign(s, len);
    copied = true;
  } catch (const std::bad_alloc&) {
  }
  if (!copied) luaL_error(L, "not enough memory");
}

// [-n, +0, e] Starts the job and awaits it. Its box is at the top and
// replaces the arguments, or (`in_place`) is at index 1 already.
int start_and_await(lua_State* L, FsJob& job, const char* op, lua_KFunction k, bool in_place = false) {
  if (!in_place) {
    lua_replace(L, 1);
    lua_settop(L, 1);
  }
  return start_and_await_job(L, job, op, k, 0);
}

// [-0, +0, v] Raises the job's error, if it failed.
void check(lua_State* L, FsJob& job, const char* op) {
  if (job.error == 0) return;
  if (job.denied) raise_denied(L, op, job.path.c_str());
  const char* target = job.failed_path.empty() ? job.path.c_str() : job.failed_path.c_str();
  raise_uv_error(L, op, job.what, target, job.error);
}

int k_read(lua_State* L, int, lua_KContext) {
  FsJob& job = fs_job_at(L, 1);
  check(L, job, "std.fs.read");
  lua_pushlstring(L, job.data.data(), job.data.size());
  return 1;
}

// std.fs.read(path) -> string
int fs_read(lua_State* L) {
  FsJob& job = new_job(L, FsJob::Kind::read_file);
  govern(L, job, "std.fs.read", PathAccess::read);
  return start_and_await(L, job, "std.fs.read", &k_read);
}

int k_nothing(lua_State* L, int, lua_KContext) {
  FsJob& job = fs_job_at(L, 1);
  static const char* const kOps[] = {"std.fs.read", "std.fs.write", "std.fs.append", "std.fs.open", "", "", "",
                                     "std.fs.stat", "std.fs.list",  "std.fs.mkdir",  "std.fs.remove", "std.fs.rename"};
  check(L, job, kOps[static_cast<int>(job.kind)]);
  return 0;
}

// std.fs.write(path, data): a temporary file renamed over path.
int fs_write(lua_State* L) {
  FsJob& job = new_job(L, FsJob::Kind::write_file);
  govern(L, job, "std.fs.write", PathAccess::write);
  copy_string(L, 2, job.data);
  return start_and_await(L, job, "std.fs.write", &k_nothing);
}

// std.fs.append(path, data)
int fs_append(lua_State* L) {
  FsJob& job = new_job(L, FsJob::Kind::append_file);
  govern(L, job, "std.fs.append", PathAccess::write);
  copy_string(L, 2, job.data);
  return start_and_await(L, job, "std.fs.append", &k_nothing);
}

// [-0, +0, v] Open flags of an io.open mode ("r", "w", "a", "r+", "w+",
// "a+", each with an optional "b").
int mode_flags(lua_State* L, int index, bool& readable, bool& writable, bool& append) {
  const char* mode = luaL_optstring(L, index, "r");
  int flags = 0;
  switch (mode[0]) {
    case 'r': flags = O_RDONLY; readable = true; break;
    case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC; writable = true; break;
    case 'a': flags = O_WRONLY | O_CREAT | O_APPEND; writable = append = true; break;
    default: luaL_argerror(L, index, "invalid mode");
  }
  const char* rest = mode + 1;
  if (*rest == '+') {
    flags = (flags & ~(O_RDONLY | O_WRONLY)) | O_RDWR;
    readable = writable = true;
    ++rest;
  }
  if (*rest == 'b') ++rest;
  if (*rest != 0) luaL_argerror(L, index, "invalid mode");
  return flags;
}

// [-0, +0, m] Hands the descriptor the open job made to the File at 2.
void take_descriptor(lua_State* L, FsJob& job) {
  FileCore* f = static_cast<FileCore*>(lua_touserdata(L, 2));
  bool labelled = false;
  try {
    f->label = job.path;
    labelled = true;
  } catch (const std::bad_alloc&) {
  }
  if (!labelled) luaL_error(L, "not enough memory");  // the job's box closes the descriptor
  f->fd = job.fd;
  f->closed = false;
  attach_to_scope(L, f->scoped);
  job.fd = -1;
  job.owns_fd = false;
}

// Stack: 1 the job's box, 2 the File.
int k_open(lua_State* L, int, lua_KContext) {
  FsJob& job = fs_job_at(L, 1);
  check(L, job, "std.fs.open");
  take_descriptor(L, job);
  return 1;
}

// std.fs.open(path, mode?) -> File
int fs_open(lua_State* L) {
  bool readable = false, writable = false, append = false;
  const int flags = mode_flags(L, 2, readable, writable, append);
  lua_settop(L, 1);
  FsJob& job = new_job(L, FsJob::Kind::open);  // index 2
  job.flags = flags;
  govern(L, job, "std.fs.open", writable ? PathAccess::write : PathAccess::read);
  job.owns_fd = true;
  FileCore& f = push_file(L);  // index 3
  f.readable = readable;
  f.writable = writable;
  f.append = append;
  lua_remove(L, 1);
  return start_and_await(L, job, "std.fs.open", &k_open, true);
}

// Stack: 1 the job's box, 2 the File.
int k_lines(lua_State* L, int, lua_KContext) {
  FsJob& job = fs_job_at(L, 1);
  check(L, job, "std.fs.lines");
  take_descriptor(L, job);
  push_file_lines_closing(L, 2);
  lua_pushnil(L);
  lua_pushnil(L);
  lua_pushvalue(L, 2);  // the to-be-closed value of a generic for
  return 4;
}

// std.fs.lines(path) -> iterator over the lines, read in chunks; the file
// closes at the end, or when a for loop over it is left early.
int fs_lines(lua_State* L) {
  lua_settop(L, 1);
  FsJob& job = new_job(L, FsJob::Kind::open);
  job.flags = O_RDONLY;
  govern(L, job, "std.fs.lines", PathAccess::read);
  job.owns_fd = true;
  FileCore& f = push_file(L);
  f.readable = true;
  lua_remove(L, 1);
  return start_and_await(L, job, "std.fs.lines", &k_lines, true);
}

const char* type_name(mode_t mode) {
  if (S_ISREG(mode)) return "file";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISLNK(mode)) return "link";
  return "other";
}

int k_stat(lua_State* L, int, lua_KContext) {
  FsJob& job = fs_job_at(L, 1);
  check(L, job, "std.fs.stat");
  if (!job.exists) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 4);
  lua_pushstring(L, type_name(job.st.st_mode));
  lua_setfield(L, -2, "type");
  lua_pushinteger(L, static_cast<lua_Integer>(job.st.st_size));
  lua_setfield(L, -2, "size");
  lua_pushnumber(L, static_cast<lua_Number>(job.st.st_mtim.tv_sec) + job.st.st_mtim.tv_nsec / 1e9);
  lua_setfield(L, -2, "mtime");
  lua_pushinteger(L, job.st.st_mode & 07777);
  lua_setfield(L, -2, "mode");
  return 1;
}

// std.fs.stat(path) -> { type, size, mtime, mode } | nil
int fs_stat(lua_State* L) {
  FsJob& job = new_job(L, FsJob::Kind::stat);
  govern(L, job, "std.fs.stat", PathAccess::read);
  return start_and_await(L, job, "std.fs.stat", &k_stat);
}

int k_exists(lua_State* L, int, lua_KContext) {
  FsJob& job = fs_job_at(L, 1);
  check(L, job, "std.fs.exists");
  lua_pushboolean(L, job.exists);
  return 1;
}

// std.fs.exists(path) -> boolean
int fs_exists(lua_State* L) {
  FsJob& job = new_job(L, FsJob::Kind::stat);
  govern(L, job, "std.fs.exists", PathAccess::read);
  return start_and_await(L, job, "std.fs.exists", &k_exists);
}

int k_list(lua_State* L, int, lua_KContext) {
  FsJob& job = fs_job_at(L, 1);
  check(L, job, "std.fs.list");
  lua_createtable(L, static_cast<int>(job.names.size()), 0);
  lua_Integer i = 0;
  for (const std::string& name : job.names) {
    lua_pushlstring(L, name.data(), name.size());
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}

// std.fs.list(dir) -> sorted array of names
int fs_list(lua_State* L) {
  FsJob& job = new_job(L, FsJob::Kind::list);
  govern(L, job, "std.fs.list", PathAccess::list);
  return start_and_await(L, job, "std.fs.list", &k_list);
}

// std.fs.mkdir(path, opts?) -- opts.parents
int fs_mkdir(lua_State* L) {
  const bool parents = opt_field_boolean(L, 2, "parents", false, "std.fs.mkdir");
  FsJob& job = new_job(L, FsJob::Kind::mkdir);
  job.parents = parents;
  govern(L, job, "std.fs.mkdir", PathAccess::write);
  return start_and_await(L, job, "std.fs.mkdir", &k_nothing);
}

// std.fs.remove(path, opts?) -- opts.recursive
int fs_remove(lua_State* L) {
  const bool recursive = opt_field_boolean(L, 2, "recursive", false, "std.fs.remove");
  FsJob& job = new_job(L, FsJob::Kind::remove);
  job.recursive = recursive;
  govern(L, job, "std.fs.remove", PathAccess::remove);
  return start_and_await(L, job, "std.fs.remove", &k_nothing);
}

// std.fs.rename(from, to)
int fs_rename(lua_State* L) {
  FsJob& job = new_job(L, FsJob::Kind::rename);
  copy_string(L, 2, job.path2);
  govern(L, job, "std.fs.rename", PathAccess::remove);
  govern(L, job, "std.fs.rename", PathAccess::write, true);
  return start_and_await(L, job, "std.fs.rename", &k_nothing);
}

}  // namespace

void push_fs_module(lua_State* L) {
  init_fs_jobs(L);
  init_file_type(L);
  static const luaL_Reg functions[] = {
      {"read", fs_read},   {"write", fs_write},   {"append", fs_append}, {"lines", fs_lines},
      {"open", fs_open},   {"stat", fs_stat},     {"exists", fs_exists}, {"list", fs_list},
      {"mkdir", fs_mkdir}, {"remove", fs_remove}, {"rename", fs_rename}, {nullptr, nullptr},
  };
  luaL_newlib(L, functions);
}

}  // namespace lua_batteries::io
