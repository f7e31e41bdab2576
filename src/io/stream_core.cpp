// The libuv side of a Stream (stream.hpp): buffering, the read that runs
// while a reader waits (and a little ahead), interrupts of waiting readers
// and writers, and closing.
#include <cstring>
#include <new>

#include "io/stream.hpp"

namespace lua_batteries::io {
namespace {

StreamCore& core_of(uv_handle_t* h) { return *static_cast<StreamCore*>(h->data); }

void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
  StreamCore& s = core_of(h);
  if (!s.scratch) s.scratch.reset(new (std::nothrow) char[kReadChunk]);
  *buf = uv_buf_init(s.scratch.get(), s.scratch ? kReadChunk : 0);  // 0: libuv reports UV_ENOBUFS
}

// Appends without letting bad_alloc escape into libuv; false when out of memory.
bool append(StreamCore& s, const char* data, std::size_t n) {
  try {
    if (s.in_pos > 0 && s.in_pos >= s.in.size() / 2) {
      s.in.erase(0, s.in_pos);
      s.in_pos = 0;
    }
    s.in.append(data, n);
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  StreamCore& s = core_of(reinterpret_cast<uv_handle_t*>(stream));
  if (nread > 0) {
    if (!append(s, buf->base, static_cast<std::size_t>(nread))) s.read_error = UV_ENOMEM;
  } else if (nread == UV_EOF) {
    s.eof = true;
  } else if (nread == UV_ENOBUFS && !s.scratch) {
    s.read_error = UV_ENOMEM;  // on_alloc could not get the buffer: say so
  } else if (nread < 0) {
    s.read_error = static_cast<int>(nread);
  }
  if (s.want != StreamCore::Want::none && s.satisfies(s.want)) {
    s.want = StreamCore::Want::none;
    s.read_awaiter.complete();
    s.read_ahead();
  } else if (s.want == StreamCore::Want::none) {
    s.read_ahead();
  }
}

void on_write(uv_write_t* req, int status) {
  StreamCore& s = *static_cast<StreamCore*>(req->data);
  s.write_in_flight = false;
  s.write_status = status;
  s.out.clear();
  if (s.out.capacity() > kReadChunk) s.out.shrink_to_fit();
  if (s.write_busy) s.write_awaiter.complete();
}

void on_shutdown_done(uv_shutdown_t* req, int status) {
  StreamCore& s = *static_cast<StreamCore*>(req->data);
  s.shutdown_in_flight = false;
  s.shutdown_status = status;
  s.shutdown_awaiter.complete();
}

void on_close(uv_handle_t* h) {
  StreamCore& s = core_of(h);
  s.closed = true;
  s.owned.release();
  if (s.lua_gone) delete &s;
}

// A reader was cancelled or aborted: what arrived stays buffered.
void on_read_interrupt(Awaiter& a, Interruption) {
  StreamCore& s = *static_cast<StreamCore*>(a.user_data());
  s.read_busy = false;
  s.want = StreamCore::Want::none;
  s.stop_reading();
}

// A writer was cancelled or aborted: if its request is still in flight,
// nobody can know how much the peer got, so the stream takes no more writes.
void on_write_interrupt(Awaiter& a, Interruption) {
  StreamCore& s = *static_cast<StreamCore*>(a.user_data());
  s.write_busy = false;
  if (s.write_in_flight) s.write_closed = true;
}

void on_runtime_shutdown(OwnedResource& r) { static_cast<StreamCore*>(r.user_data())->start_closing(); }

}  // namespace

StreamCore::StreamCore()
    : owned(&on_runtime_shutdown, this),
      scoped([](ScopedResource& r, bool) { static_cast<StreamCore*>(r.user_data())->start_closing(); }, this),
      read_awaiter(&on_read_interrupt, this),
      write_awaiter(&on_write_interrupt, this),
      shutdown_awaiter(nullptr, this) {
  std::memset(&h, 0, sizeof h);
  h.handle.data = this;
  write_req.data = this;
  shutdown_req.data = this;
}

void StreamCore::consume(std::size_t n) {
  in_pos += n;
  if (in_pos == in.size()) {
    in.clear();
    in_pos = 0;
  }
}

bool StreamCore::satisfies(Want w) const {
  if (eof || read_error) return true;
  switch (w) {
    case Want::any: return available() > 0;
    case Want::line: return available() > max_line || std::memchr(data(), '\n', available()) != nullptr;
    case Want::all:
    case Want::none: return false;
  }
  return false;
}

int StreamCore::start_reading(Want w) {
  want = w;
  uv_ref(handle());  // a waiting reader keeps the loop alive
  if (reading) return 0;
  const int r = uv_read_start(stream(), &on_alloc, &on_read);
  if (r < 0) {
    want = Want::none;
    return r;
  }
  reading = true;
  return 0;
}

void StreamCore::read_ahead() {
  if (eof || read_error || available() >= kReadAhead) {
    stop_reading();
    return;
  }
  uv_unref(handle());
}

void StreamCore::stop_reading() {
  if (!reading) return;
  reading = false;
  uv_read_stop(stream());
  uv_ref(handle());
}

void StreamCore::start_closing() {
  if (closing) return;
  closing = true;
  scoped.detach();
  if (initialized) stop_reading();
  reading = false;
  // A waiting reader continues and finds the stream closed; a waiting
  // writer's or shutdown's request gets UV_ECANCELED from the close.
  if (read_busy) {
    want = Want::none;
    read_awaiter.complete();
  }
  if (initialized) {
    uv_close(handle(), &on_close);
  } else {
    closed = true;
    owned.release();
  }
}

void StreamCore::drop_lua_object() {
  lua_gone = true;
  start_closing();
  if (closed) delete this;
}

int StreamCore::begin_write(const char* bytes, std::size_t len) {
  uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes), static_cast<unsigned>(len));
  int r = uv_try_write(stream(), &buf, 1);
  if (r >= 0 && static_cast<std::size_t>(r) == len) return 1;
  if (r < 0 && r != UV_EAGAIN && r != UV_ENOSYS) return r;
  const std::size_t done = r > 0 ? static_cast<std::size_t>(r) : 0;
  try {
    out.assign(bytes + done, len - done);
  } catch (const std::bad_alloc&) {
    return UV_ENOMEM;
  }
  buf = uv_buf_init(out.data(), static_cast<unsigned>(out.size()));
  r = uv_write(&write_req, stream(), &buf, 1, &on_write);
  if (r < 0) return r;
  write_in_flight = true;
  return 0;
}

int StreamCore::begin_shutdown() {
  const int r = uv_shutdown(&shutdown_req, stream(), &on_shutdown_done);
  if (r == 0) shutdown_in_flight = true;
  return r;
}

}  // namespace lua_batteries::io
