// File (spec std-io.md section 4): a file opened by std.fs.open, read and
// written through the threadpool, one request at a time.
//
// Reads fill a buffer from the file with pread at `next_read`, and take
// from its front, so a read cancelled while its request runs loses
// nothing: the discarded chunk is read again next time. The position the
// script sees is next_read minus what is buffered; a write or a seek drops
// the buffer and moves next_read to that position.
#pragma once

#include <lua.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "lua_batteries/resource.hpp"

namespace lua_batteries::io {

struct FsJob;

struct FileCore {
  FileCore();
  /// The job of this file has finished (on the loop thread, before its
  /// waiting task continues): a write moved the position even if nobody
  /// waits for its result any more.
  void job_done(FsJob& job);
  /// Closes the descriptor, or leaves it to the job in flight. Idempotent.
  void close();
  std::size_t available() const { return in.size() - in_pos; }
  std::int64_t position() const { return next_read - static_cast<std::int64_t>(available()); }
  void drop_buffer();

  int fd = -1;
  std::string label;  // the path, for error messages
  std::string in;
  std::size_t in_pos = 0;
  std::int64_t next_read = 0;
  bool eof = false;
  bool readable = false;
  bool writable = false;
  bool append = false;
  bool busy = false;  // a request of this file is awaited
  FsJob* job = nullptr;  // in flight
  bool closed = false;
  ScopedResource scoped;  // closed when the scope it was opened in ends
};

/// [-0, +1, m] Pushes a new, closed File (push before its descriptor
/// exists, so that nothing can raise between the two).
FileCore& push_file(lua_State* L);
/// [-0, +0, e] Creates the File metatable; once per state.
void init_file_type(lua_State* L);
/// [-0, +1, e] Pushes the iterator over the lines of the File at `index`
/// that closes the file at the end, as std.fs.lines returns it.
void push_file_lines_closing(lua_State* L, int index);

}  // namespace lua_batteries::io
