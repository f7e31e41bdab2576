// The File object of std.fs.open: its methods and the requests they await.
//
// Every suspending method has the File at index 1 and its argument at 2;
// a request's job box goes to index 3 while it is awaited, and the
// continuation takes its result and runs the same step again.
#include <unistd.h>

#include <cstring>
#include <new>

#include "io/fs_file.hpp"
#include "io/fs_job.hpp"
#include "io/io_context.hpp"
#include "io/io_error.hpp"

namespace lua_batteries::io {
namespace {

constexpr const char* kFileMetatable = "std.fs.File";
constexpr std::size_t kFileChunk = 64 * 1024;

enum class Want : lua_KContext { count, line, all, line_closing };

FileCore* file_at(lua_State* L, int index) { return static_cast<FileCore*>(luaL_checkudata(L, index, kFileMetatable)); }

// [-0, +0, v] The File at index 1, open and idle.
FileCore& check_idle(lua_State* L) {
  FileCore* f = file_at(L, 1);
  if (f->closed) luaL_error(L, "std.fs: file is closed");
  if (f->busy) luaL_error(L, "std.fs: file is busy");
  return *f;
}

const char* read_op(Want want) {
  switch (want) {
    case Want::count: return "file:read";
    case Want::all: return "file:read_all";
    default: return "file:read_line";
  }
}

// [-0, +1, e] Queues `job` for the File at index 1 (its box at the top)
// and awaits it; the continuation is k with ctx.
int await_job(lua_State* L, FileCore& f, FsJob& job, const char* what, lua_KFunction k, lua_KContext ctx) {
  const int r = job.start(context(L).loop);
  if (r < 0) raise_uv_error(L, what, "cannot use", f.label.c_str(), r);
  job.file = &f;
  job.waiting_file = &f;
  f.job = &job;
  f.busy = true;
  return await(L, job.awaiter, what, k, ctx);
}

// [-0, +(0|1), e] Finishes a read from the buffer if it can (pushes the
// result, returns 1); 0 when more must be read.
int take(lua_State* L, FileCore& f, Want want) {
  const std::size_t avail = f.available();
  const char* data = f.in.data() + f.in_pos;
  std::size_t len = 0, skip = 0;
  switch (want) {
    case Want::count: {
      const auto n = static_cast<std::size_t>(lua_tointeger(L, 2));
      if (avail < n && !f.eof) return 0;
      if (avail == 0 && n > 0) {
        lua_pushnil(L);
        return 1;
      }
      len = avail < n ? avail : n;
      break;
    }
    case Want::line:
    case Want::line_closing: {
      const auto* nl = static_cast<const char*>(std::memchr(data, '\n', avail));
      if (!nl && !f.eof) return 0;
      if (!nl && avail == 0) {
        lua_pushnil(L);
        if (want == Want::line_closing) f.close();
        return 1;
      }
      len = nl ? static_cast<std::size_t>(nl - data) : avail;
      skip = nl ? 1 : 0;
      break;
    }
    case Want::all:
      if (!f.eof) return 0;
      len = avail;
      break;
  }
  lua_pushlstring(L, data, len);
  f.in_pos += len + skip;
  if (f.in_pos == f.in.size()) f.drop_buffer();
  return 1;
}

int read_step(lua_State* L, FileCore& f, Want want);

// Stack: 1 File, 2 n, 3 the job's box.
int k_read(lua_State* L, int, lua_KContext ctx) {
  FileCore* f = file_at(L, 1);
  FsJob& job = fs_job_at(L, 3);
  const Want want = static_cast<Want>(ctx);
  f->busy = false;
  job.waiting_file = nullptr;
  if (f->closed) return luaL_error(L, "std.fs: file is closed");
  if (job.error) raise_uv_error(L, read_op(want), job.what, f->label.c_str(), job.error);
  bool appended = false;
  try {
    if (f->in_pos > 0) {
      f->in.erase(0, f->in_pos);
      f->in_pos = 0;
    }
    f->in += job.data;
    appended = true;
  } catch (const std::bad_alloc&) {
  }
  if (!appended) return luaL_error(L, "not enough memory");
  f->next_read += static_cast<std::int64_t>(job.data.size());
  if (job.data.empty()) f->eof = true;
  lua_settop(L, 2);
  return read_step(L, *f, want);
}

int read_step(lua_State* L, FileCore& f, Want want) {
  if (take(L, f, want)) return 1;
  FsJob& job = push_fs_job(L);
  job.kind = FsJob::Kind::pread;
  job.fd = f.fd;
  job.offset = f.next_read;
  job.count = kFileChunk;
  return await_job(L, f, job, read_op(want), &k_read, static_cast<lua_KContext>(want));
}

int file_read(lua_State* L) {
  FileCore& f = check_idle(L);
  const lua_Integer n = luaL_optinteger(L, 2, kFileChunk);
  luaL_argcheck(L, n >= 0, 2, "must be a non-negative integer");
  lua_settop(L, 2);
  lua_pushinteger(L, n);
  lua_replace(L, 2);
  return read_step(L, f, Want::count);
}

int file_read_line(lua_State* L) {
  FileCore& f = check_idle(L);
  lua_settop(L, 2);
  return read_step(L, f, Want::line);
}

int file_read_all(lua_State* L) {
  FileCore& f = check_idle(L);
  lua_settop(L, 2);
  return read_step(L, f, Want::all);
}

// The iterator of lines(): upvalue 1 the File, 2 whether it closes the
// file at the end.
int lines_next(lua_State* L) {
  lua_settop(L, 0);
  lua_pushvalue(L, lua_upvalueindex(1));
  FileCore* f = file_at(L, 1);
  const bool closing = lua_toboolean(L, lua_upvalueindex(2));
  if (f->closed && closing) return 0;  // a loop that goes on after the end
  check_idle(L);
  lua_pushnil(L);
  return read_step(L, *f, closing ? Want::line_closing : Want::line);
}

int file_lines(lua_State* L) {
  file_at(L, 1);
  lua_settop(L, 1);
  lua_pushboolean(L, 0);
  lua_pushcclosure(L, lines_next, 2);
  return 1;
}

// Stack: 1 File, 2 data, 3 the job's box.
int k_write(lua_State* L, int, lua_KContext) {
  FileCore* f = file_at(L, 1);
  FsJob& job = fs_job_at(L, 3);
  f->busy = false;
  job.waiting_file = nullptr;
  if (job.error) raise_uv_error(L, "file:write", job.what, f->label.c_str(), job.error);
  lua_settop(L, 1);
  return 1;
}

int file_write(lua_State* L) {
  FileCore& f = check_idle(L);
  std::size_t len = 0;
  const char* data = luaL_checklstring(L, 2, &len);
  lua_settop(L, 2);
  FsJob& job = push_fs_job(L);
  bool copied = false;
  try {
    job.data.assign(data, len);
    copied = true;
  } catch (const std::bad_alloc&) {
  }
  if (!copied) return luaL_error(L, "not enough memory");
  f.next_read = f.position();
  f.drop_buffer();
  job.kind = FsJob::Kind::pwrite;
  job.fd = f.fd;
  job.offset = f.next_read;
  job.append = f.append;
  return await_job(L, f, job, "file:write", &k_write, 0);
}

// Stack: 1 File, 2 offset, 3 the job's box (a file_size request).
int k_seek_end(lua_State* L, int, lua_KContext) {
  FileCore* f = file_at(L, 1);
  FsJob& job = fs_job_at(L, 3);
  f->busy = false;
  job.waiting_file = nullptr;
  if (job.error) raise_uv_error(L, "file:seek", job.what, f->label.c_str(), job.error);
  const std::int64_t to = static_cast<std::int64_t>(job.st.st_size) + lua_tointeger(L, 2);
  if (to < 0) raise_uv_error(L, "file:seek", "cannot seek", f->label.c_str(), UV_EINVAL);
  f->drop_buffer();
  f->next_read = to;
  lua_pushinteger(L, to);
  return 1;
}

// file:seek(whence?, offset?) -> position, as Lua's file:seek.
int file_seek(lua_State* L) {
  FileCore& f = check_idle(L);
  static const char* const kWhence[] = {"set", "cur", "end", nullptr};
  const int whence = luaL_checkoption(L, 2, "cur", kWhence);
  const lua_Integer offset = luaL_optinteger(L, 3, 0);
  if (whence == 2) {
    lua_settop(L, 1);
    lua_pushinteger(L, offset);
    FsJob& job = push_fs_job(L);
    job.kind = FsJob::Kind::file_size;
    job.fd = f.fd;
    return await_job(L, f, job, "file:seek", &k_seek_end, 0);
  }
  const std::int64_t to = (whence == 0 ? 0 : f.position()) + offset;
  if (to < 0) raise_uv_error(L, "file:seek", "cannot seek", f.label.c_str(), UV_EINVAL);
  if (to != f.position()) {
    f.drop_buffer();
    f.next_read = to;
  }
  lua_pushinteger(L, to);
  return 1;
}

int file_close(lua_State* L) {
  file_at(L, 1)->close();
  return 0;
}

int file_is_closed(lua_State* L) {
  lua_pushboolean(L, file_at(L, 1)->closed);
  return 1;
}

int file_tostring(lua_State* L) {
  FileCore* f = file_at(L, 1);
  lua_pushfstring(L, "File (%s%s)", f->label.c_str(), f->closed ? ", closed" : "");
  return 1;
}

int file_gc(lua_State* L) {
  FileCore* f = file_at(L, 1);
  f->close();
  f->~FileCore();
  return 0;
}

}  // namespace

FileCore::FileCore()
    : scoped([](ScopedResource& r, bool) { static_cast<FileCore*>(r.user_data())->close(); }, this) {}

void FileCore::job_done(FsJob& done) {
  job = nullptr;
  done.file = nullptr;
  if (done.kind == FsJob::Kind::pwrite && done.error == 0) next_read = done.position;
}

void FileCore::drop_buffer() {
  in.clear();
  in_pos = 0;
  eof = false;
}

void FileCore::close() {
  scoped.detach();
  if (closed) return;
  closed = true;
  drop_buffer();
  if (fd < 0) return;
  if (job) {
    // The request still runs on the threadpool with this descriptor: it
    // closes it when done.
    job->file = nullptr;
    job->owns_fd = true;
    job = nullptr;
  } else {
    ::close(fd);
  }
  fd = -1;
}

FileCore& push_file(lua_State* L) {
  auto* f = new (lua_newuserdatauv(L, sizeof(FileCore), 0)) FileCore;
  f->closed = true;  // until it has a descriptor
  luaL_setmetatable(L, kFileMetatable);
  return *f;
}

void push_file_lines_closing(lua_State* L, int index) {
  lua_pushvalue(L, index);
  lua_pushboolean(L, 1);
  lua_pushcclosure(L, lines_next, 2);
}

void init_file_type(lua_State* L) {
  static const luaL_Reg methods[] = {
      {"read", file_read},   {"read_line", file_read_line}, {"read_all", file_read_all},
      {"lines", file_lines}, {"write", file_write},         {"seek", file_seek},
      {"close", file_close}, {"is_closed", file_is_closed}, {nullptr, nullptr},
  };
  luaL_newmetatable(L, kFileMetatable);
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, file_close);
  lua_setfield(L, -2, "__close");
  lua_pushcfunction(L, file_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, file_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
}

}  // namespace lua_batteries::io
