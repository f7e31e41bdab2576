// The Lua side of a Stream (spec std-io.md section 1): the object, its
// methods, and the reads and writes that suspend the calling task.
//
// Each suspending method reads its arguments first, then either finishes
// at once from what is buffered (no suspension) or awaits the core's
// Awaiter; its continuation runs the same step again, so a wake-up that
// does not yet satisfy the reader simply waits again.
#include <cstring>

#include "io/io_error.hpp"
#include "io/stream.hpp"

namespace lua_batteries::io {
namespace {

constexpr const char* kStreamMetatable = "std.io.Stream";

struct StreamBox {
  StreamCore* core;
};

StreamBox* box_of(lua_State* L, int index) { return static_cast<StreamBox*>(luaL_checkudata(L, index, kStreamMetatable)); }

// [-0, +0, v] The core of an open stream at index 1.
StreamCore* check_open(lua_State* L) {
  StreamCore* s = check_stream(L, 1);
  if (s->closing) luaL_error(L, "std.io: stream is closed");
  return s;
}

using Want = StreamCore::Want;

const char* read_op(Want want) {
  switch (want) {
    case Want::line: return "stream:read_line";
    case Want::all: return "stream:read_all";
    default: return "stream:read";
  }
}

// [-0, +(0|1), v] Finishes a read from the buffer if it can: pushes the
// result and returns 1; returns 0 when the reader must wait. The bytes are
// consumed only once the result is pushed, so a memory error loses none.
int take(lua_State* L, StreamCore& s, Want want) {
  const std::size_t avail = s.available();
  switch (want) {
    case Want::any:
      if (avail > 0) {
        const auto n = static_cast<std::size_t>(lua_tointeger(L, 2));
        const std::size_t len = n < avail ? n : avail;
        lua_pushlstring(L, s.data(), len);
        s.consume(len);
        return 1;
      }
      break;
    case Want::line: {
      const auto* nl = static_cast<const char*>(std::memchr(s.data(), '\n', avail));
      const std::size_t len = nl ? static_cast<std::size_t>(nl - s.data()) : avail;
      if (len > s.max_line) {
        lua_pushfstring(L, "stream:read_line: cannot read from '%s': line longer than %d bytes (ELINE)",
                        s.label.c_str(), static_cast<int>(s.max_line));
        push_io_error(L, "stream:read_line", "ELINE", lua_tostring(L, -1));
        raise_top(L);
      }
      if (nl) {
        lua_pushlstring(L, s.data(), len);
        s.consume(len + 1);
        return 1;
      }
      if (s.eof && !s.read_error && avail > 0) {
        lua_pushlstring(L, s.data(), avail);
        s.consume(avail);
        return 1;
      }
      break;
    }
    case Want::all:
      if (s.eof && !s.read_error) {
        lua_pushlstring(L, s.data(), avail);
        s.consume(avail);
        return 1;
      }
      break;
    case Want::none: break;
  }
  if (s.read_error) raise_uv_error(L, read_op(want), "cannot read from", s.label.c_str(), s.read_error);
  if (s.eof) {
    lua_pushnil(L);
    return 1;
  }
  return 0;
}

int read_step(lua_State* L, StreamCore& s, Want want);

// The continuation of a read: the core is at index 1, as before the wait.
int k_read(lua_State* L, int, lua_KContext ctx) {
  StreamCore* s = check_stream(L, 1);
  s->read_busy = false;
  if (s->closing) return luaL_error(L, "std.io: stream is closed");
  return read_step(L, *s, static_cast<Want>(ctx));
}

int read_step(lua_State* L, StreamCore& s, Want want) {
  if (take(L, s, want)) return 1;
  const int r = s.start_reading(want);
  if (r < 0) raise_uv_error(L, read_op(want), "cannot read from", s.label.c_str(), r);
  s.read_busy = true;
  s.read_awaiter.reset();
  return await(L, s.read_awaiter, read_op(want), &k_read, static_cast<lua_KContext>(want));
}

// [-0, +0, v] The common checks of every read.
StreamCore& begin_read(lua_State* L) {
  StreamCore* s = check_open(L);
  if (s->read_busy) luaL_error(L, "std.io: stream is busy");
  return *s;
}

int stream_read(lua_State* L) {
  const lua_Integer n = luaL_optinteger(L, 2, static_cast<lua_Integer>(kReadChunk));
  luaL_argcheck(L, n > 0, 2, "must be a positive integer");
  lua_settop(L, 1);
  lua_pushinteger(L, n);
  return read_step(L, begin_read(L), Want::any);
}

int stream_read_line(lua_State* L) {
  lua_settop(L, 1);
  return read_step(L, begin_read(L), Want::line);
}

int stream_read_all(lua_State* L) {
  lua_settop(L, 1);
  return read_step(L, begin_read(L), Want::all);
}

int stream_lines(lua_State* L) {
  check_stream(L, 1);
  lua_pushcfunction(L, stream_read_line);
  lua_pushvalue(L, 1);
  return 2;
}

int k_write(lua_State* L, int, lua_KContext) {
  StreamCore* s = check_stream(L, 1);
  s->write_busy = false;
  if (s->write_status < 0) raise_uv_error(L, "stream:write", "cannot write to", s->label.c_str(), s->write_status);
  lua_settop(L, 1);
  return 1;
}

int stream_write(lua_State* L) {
  StreamCore* s = check_open(L);
  std::size_t len = 0;
  const char* bytes = luaL_checklstring(L, 2, &len);
  if (s->write_closed) raise_uv_error(L, "stream:write", "cannot write to", s->label.c_str(), UV_ECANCELED);
  if (s->write_busy) return luaL_error(L, "std.io: stream is busy");
  lua_settop(L, 1);
  if (len == 0) return 1;
  const int r = s->begin_write(bytes, len);
  if (r < 0) raise_uv_error(L, "stream:write", "cannot write to", s->label.c_str(), r);
  if (r == 1) return 1;
  s->write_busy = true;
  s->write_status = 0;
  s->write_awaiter.reset();
  return await(L, s->write_awaiter, "stream:write", &k_write, 0);
}

int k_shutdown(lua_State* L, int, lua_KContext) {
  StreamCore* s = check_stream(L, 1);
  const int status = s->shutdown_status;
  if (status < 0 && status != UV_ENOTCONN && status != UV_ECANCELED)
    raise_uv_error(L, "stream:shutdown", "cannot shut down", s->label.c_str(), status);
  return 0;
}

int stream_shutdown(lua_State* L) {
  StreamCore* s = check_open(L);
  if (s->write_busy || s->shutdown_in_flight) return luaL_error(L, "std.io: stream is busy");
  if (s->is_plain_pipe) {  // one-way: the end of output is its close
    s->start_closing();
    return 0;
  }
  const int r = s->begin_shutdown();
  if (r == UV_ENOTCONN) return 0;  // already shut down
  if (r < 0) raise_uv_error(L, "stream:shutdown", "cannot shut down", s->label.c_str(), r);
  s->shutdown_awaiter.reset();
  return await(L, s->shutdown_awaiter, "stream:shutdown", &k_shutdown, 0);
}

int stream_close(lua_State* L) {
  if (StreamCore* s = box_of(L, 1)->core) s->start_closing();
  return 0;
}

int stream_is_closed(lua_State* L) {
  StreamCore* s = box_of(L, 1)->core;
  lua_pushboolean(L, !s || s->closing);
  return 1;
}

int stream_set_max_line(lua_State* L) {
  StreamCore* s = check_stream(L, 1);
  const lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n > 0, 2, "must be a positive integer");
  s->max_line = static_cast<std::size_t>(n);
  lua_settop(L, 1);
  return 1;
}

int stream_tostring(lua_State* L) {
  StreamCore* s = box_of(L, 1)->core;
  lua_pushfstring(L, "Stream (%s)%s", s ? s->label.c_str() : "", !s || s->closing ? " closed" : "");
  return 1;
}

int stream_gc(lua_State* L) {
  auto* box = static_cast<StreamBox*>(lua_touserdata(L, 1));
  if (box && box->core) {
    StreamCore* core = box->core;
    box->core = nullptr;
    core->drop_lua_object();
  }
  return 0;
}

// Methods first, then the TCP fields.
int stream_index(lua_State* L) {
  StreamCore* s = box_of(L, 1)->core;
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  const char* key = lua_tostring(L, 2);
  if (!s) {
    lua_pushnil(L);
  } else if (key && s->is_tcp && std::strcmp(key, "peer") == 0) {
    lua_pushstring(L, s->peer.c_str());
  } else if (key && s->is_tcp && std::strcmp(key, "local_address") == 0) {
    lua_pushstring(L, s->local_address.c_str());
  } else {
    lua_pushnil(L);
  }
  return 1;
}

}  // namespace

StreamCore* check_stream(lua_State* L, int index) {
  StreamBox* box = box_of(L, index);
  if (!box->core) luaL_error(L, "std.io: stream is closed");
  return box->core;
}

void push_stream(lua_State* L) {
  auto* box = static_cast<StreamBox*>(lua_newuserdatauv(L, sizeof(StreamBox), 0));
  box->core = nullptr;
  luaL_setmetatable(L, kStreamMetatable);
}

void attach_stream(lua_State* L, int index, StreamCore* core) {
  box_of(L, index)->core = core;
  if (!own(L, core->owned)) core->start_closing();
}

void attach_stream_to_scope(lua_State* L, StreamCore* core) {
  if (!core->closing) attach_to_scope(L, core->scoped);
}

void init_stream_type(lua_State* L) {
  luaL_newmetatable(L, kStreamMetatable);
  const luaL_Reg methods[] = {{"read", stream_read},
                              {"read_line", stream_read_line},
                              {"lines", stream_lines},
                              {"read_all", stream_read_all},
                              {"write", stream_write},
                              {"shutdown", stream_shutdown},
                              {"close", stream_close},
                              {"is_closed", stream_is_closed},
                              {"set_max_line", stream_set_max_line},
                              {nullptr, nullptr}};
  luaL_newlib(L, methods);
  lua_pushcclosure(L, stream_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, stream_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushcfunction(L, stream_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, stream_close);
  lua_setfield(L, -2, "__close");
  lua_pop(L, 1);
}

}  // namespace lua_batteries::io
