// std.io.stdin / stdout / stderr: made when a script first uses one, on a
// duplicate of the descriptor, so that closing the object leaves the
// process's own descriptor (and print, io.write) alone.
//
// What the descriptor is decides the object: a pipe, a socket or a TTY is
// a Stream on the loop; a regular file is a File of std.fs, read and
// written through the threadpool (the loop cannot poll a file). Output to
// a file goes where the descriptor's offset is, as the shell arranged.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <new>

#include "io/fs_file.hpp"
#include "io/io_context.hpp"
#include "io/io_error.hpp"
#include "io/stdio.hpp"
#include "io/stream.hpp"

namespace lua_batteries::io {
namespace {

constexpr const char* kNames[] = {"stdin", "stdout", "stderr"};

// [-0, +1, e] The object for standard descriptor `fd`.
void push_standard(lua_State* L, int fd) {
  const uv_handle_type type = uv_guess_handle(fd);
  if (type == UV_UNKNOWN_HANDLE) {
    lua_pushnil(L);  // closed, or nothing the loop can use
    return;
  }
  if (type == UV_FILE) {
    FileCore& f = push_file(L);
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) raise_uv_error(L, "std.io", "cannot use", kNames[fd], -errno);
    f.fd = copy;
    f.closed = false;
    f.readable = fd == 0;
    f.writable = fd != 0;
    f.append = fd != 0;  // write(2) at the descriptor's offset
    const off_t at = ::lseek(copy, 0, SEEK_CUR);
    f.next_read = at > 0 ? at : 0;
    try {
      f.label = kNames[fd];
    } catch (const std::bad_alloc&) {
    }
    return;
  }
  push_stream(L);
  auto* core = new (std::nothrow) StreamCore;
  if (!core) luaL_error(L, "not enough memory");
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) {
    delete core;
    raise_uv_error(L, "std.io", "cannot use", kNames[fd], -errno);
  }
  uv_loop_t* loop = context(L).loop;
  int r;
  if (type == UV_TTY) {
    r = uv_tty_init(loop, &core->h.tty, copy, 0);
  } else if (type == UV_TCP) {
    r = uv_tcp_init(loop, &core->h.tcp);
    if (r == 0) {
      core->initialized = true;
      r = uv_tcp_open(&core->h.tcp, copy);
    }
  } else {
    r = uv_pipe_init(loop, &core->h.pipe, 0);
    if (r == 0) {
      core->initialized = true;
      r = uv_pipe_open(&core->h.pipe, copy);
    }
    core->is_plain_pipe = type == UV_NAMED_PIPE;
  }
  if (type == UV_TTY && r == 0) core->initialized = true;
  core->h.handle.data = core;
  try {
    core->label = kNames[fd];
  } catch (const std::bad_alloc&) {
  }
  if (!core->initialized) {
    ::close(copy);
    delete core;
    raise_uv_error(L, "std.io", "cannot use", kNames[fd], r);
  }
  attach_stream(L, -1, core);
  if (r < 0) {
    ::close(copy);  // the handle did not take it
    core->start_closing();
    raise_uv_error(L, "std.io", "cannot use", kNames[fd], r);
  }
}

// __index of std.io: makes stdin, stdout or stderr on first use and keeps it.
int io_index(lua_State* L) {
  const char* key = lua_tostring(L, 2);
  if (!key) return 0;
  for (int fd = 0; fd < 3; ++fd) {
    if (std::strcmp(key, kNames[fd]) != 0) continue;
    push_standard(L, fd);
    lua_pushvalue(L, -1);
    lua_setfield(L, 1, kNames[fd]);
    return 1;
  }
  return 0;
}

}  // namespace

void push_io_module(lua_State* L) {
  lua_createtable(L, 0, 5);
  set_fd_wait_functions(L);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, io_index);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
}

}  // namespace lua_batteries::io
