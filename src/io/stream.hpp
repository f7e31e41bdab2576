// Stream (spec std-io.md section 1): a byte stream over a libuv stream
// handle (pipe, TCP or Unix socket, TTY).
//
// A StreamCore is C++ memory apart from its Lua object, because its handle
// may outlive the object: it is freed only once the handle's close
// callback has run and the Lua object is gone. Until the handle is closed
// the runtime owns it (lua_batteries::own), so lua_close closes it.
//
// Reading: received bytes are appended to `in`; a read takes what it needs
// from the front. The libuv read runs while a reader waits, and after it
// only until kReadAhead bytes are buffered, so a peer cannot make the
// stream buffer without bound, and a cancelled read loses nothing: what
// arrived stays in `in`.
// Writing: uv_try_write first; what the OS did not take at once goes to a
// uv_write, and the writer waits for it (backpressure). A write cancelled
// while its request is in flight leaves the stream closed for writing.
#pragma once

#include <lua.hpp>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "lua_batteries/resource.hpp"
#include "lua_batteries/task.hpp"

namespace lua_batteries::io {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kDefaultMaxLine = 1024 * 1024;
/// What a stream reads ahead of its reader at most (plus one chunk).
constexpr std::size_t kReadAhead = 64 * 1024;

struct StreamCore {
  /// What the waiting reader needs before it can continue.
  enum class Want : std::uint8_t { none, any, line, all };

  StreamCore();
  StreamCore(const StreamCore&) = delete;
  StreamCore& operator=(const StreamCore&) = delete;

  uv_stream_t* stream() { return &h.stream; }
  uv_handle_t* handle() { return &h.handle; }
  std::size_t available() const { return in.size() - in_pos; }
  const char* data() const { return in.data() + in_pos; }
  void consume(std::size_t n);
  /// Whether the buffered data (or end of input) satisfies `want`.
  bool satisfies(Want want) const;

  /// Starts the libuv read for a reader that wants `want`. Returns a libuv
  /// error, or 0.
  int start_reading(Want want);
  /// No reader waits: the read goes on while less than kReadAhead bytes
  /// are buffered (and neither end of input nor an error came), so that a
  /// task reading in a loop does not stop and restart the OS read each
  /// time; the handle does not keep the loop alive meanwhile. Otherwise
  /// the read stops (backpressure).
  void read_ahead();
  void stop_reading();
  /// Hands `bytes` to the OS: 1 when all of it was taken at once, 0 when
  /// the rest is in flight (write_in_flight; its completion completes
  /// write_awaiter), or a libuv error.
  int begin_write(const char* bytes, std::size_t len);
  /// Starts a half-close; its completion completes shutdown_awaiter.
  /// Returns a libuv error, or 0.
  int begin_shutdown();
  /// Closes the handle (idempotent); waiting readers and writers complete.
  void start_closing();
  /// The Lua object is gone: close, and free once the handle is closed.
  void drop_lua_object();

  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_pipe_t pipe;
    uv_tcp_t tcp;
    uv_tty_t tty;
  } h;
  OwnedResource owned;
  ScopedResource scoped;  // closed when the scope it was made in ends
  std::string label;          // what error messages name: "stdout of 'ls'", "127.0.0.1:5000"
  std::string peer;           // TCP only
  std::string local_address;  // TCP only
  bool initialized = false;   // the handle was initialised (it needs uv_close)
  bool is_tcp = false;
  bool is_plain_pipe = false;  // a pipe(2) end: no half-close, shutdown closes it

  // reading
  std::string in;
  std::size_t in_pos = 0;
  std::size_t max_line = kDefaultMaxLine;
  std::unique_ptr<char[]> scratch;  // libuv reads into it (kReadChunk)
  Awaiter read_awaiter;
  Want want = Want::none;
  bool reading = false;
  bool read_busy = false;
  bool eof = false;
  int read_error = 0;

  // writing
  uv_write_t write_req{};
  std::string out;  // the part of a write the OS did not take at once
  Awaiter write_awaiter;
  int write_status = 0;
  bool write_busy = false;
  bool write_in_flight = false;
  bool write_closed = false;  // a cancelled write: later writes raise ECANCELED

  uv_shutdown_t shutdown_req{};
  Awaiter shutdown_awaiter;
  int shutdown_status = 0;
  bool shutdown_in_flight = false;

  bool closing = false;
  bool closed = false;  // the close callback ran
  bool lua_gone = false;
};

/// [-0, +1, m] Pushes a new Stream object without a core: a closed stream
/// until attach_stream. Push it before making the core, so that nothing
/// can raise between the core's creation and its attachment.
void push_stream(lua_State* L);
/// [-0, +0, -] Gives the Stream at `index` its core (made with new, its
/// handle initialised and `initialized` set); the runtime owns the core
/// until its handle is closed.
void attach_stream(lua_State* L, int index, StreamCore* core);
/// [-0, +0, -] Makes the stream belong to the scope of the running code
/// (std.io's standard streams belong to none).
void attach_stream_to_scope(lua_State* L, StreamCore* core);
/// [-0, +0, v] The core of the Stream at `index`; raises if it is none.
StreamCore* check_stream(lua_State* L, int index);
/// [-0, +0, e] Creates the Stream metatable; once per state.
void init_stream_type(lua_State* L);

}  // namespace lua_batteries::io
