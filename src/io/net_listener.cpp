// Listener (spec std-io.md section 3): std.net.listen / listen_unix,
// accept, close, and serve (written in Lua on top of accept and
// std.task.scope).
//
// Connections wait in the kernel's backlog until a task accepts: accept
// takes one only when it can return it, so a cancelled accept accepts
// nothing. The handle is unreferenced while nobody accepts, so an idle
// listener does not hide a deadlock from the run.
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "io/io_context.hpp"
#include "io/io_error.hpp"
#include "io/policy_gate.hpp"
#include "io/net_address.hpp"
#include "io/net_module.hpp"
#include "io/net_resolve.hpp"
#include "io/stream.hpp"

namespace lua_batteries::io {
namespace {

constexpr const char* kListenerMetatable = "std.net.Listener";

struct ListenerCore {
  ListenerCore();
  void start_closing();
  void drop_lua_object();

  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } h;
  OwnedResource owned;
  ScopedResource scoped;  // closed when the scope it was made in ends
  Awaiter accept_awaiter;
  std::string address;  // "127.0.0.1:5000", or the socket's path
  std::string path;     // Unix: unlinked when closed
  int port = 0;
  int pending = 0;      // connections libuv announced and nobody accepted yet
  int listen_error = 0;
  bool is_unix = false;
  bool initialized = false;
  bool accept_busy = false;
  bool closing = false;
  bool closed = false;
  bool lua_gone = false;
};

void on_listener_closed(uv_handle_t* h) {
  auto& l = *static_cast<ListenerCore*>(h->data);
  l.closed = true;
  l.owned.release();
  if (l.lua_gone) delete &l;
}

void on_accept_interrupt(Awaiter& a, Interruption) {
  auto& l = *static_cast<ListenerCore*>(a.user_data());
  l.accept_busy = false;
  if (l.initialized && !l.closing) uv_unref(&l.h.handle);
}

ListenerCore::ListenerCore()
    : owned([](OwnedResource& r) { static_cast<ListenerCore*>(r.user_data())->start_closing(); }, this),
      scoped([](ScopedResource& r, bool) { static_cast<ListenerCore*>(r.user_data())->start_closing(); }, this),
      accept_awaiter(&on_accept_interrupt, this) {
  std::memset(&h, 0, sizeof h);
}

void ListenerCore::start_closing() {
  if (closing) return;
  closing = true;
  scoped.detach();
  if (accept_busy) accept_awaiter.complete();
  if (!path.empty()) ::unlink(path.c_str());
  if (initialized) {
    uv_close(&h.handle, &on_listener_closed);
  } else {
    closed = true;
    owned.release();
  }
}

void ListenerCore::drop_lua_object() {
  lua_gone = true;
  start_closing();
  if (closed) delete this;
}

void on_connection(uv_stream_t* server, int status) {
  auto& l = *static_cast<ListenerCore*>(server->data);
  if (status < 0) {
    l.listen_error = status;
  } else {
    ++l.pending;
  }
  if (l.accept_busy) l.accept_awaiter.complete();
}

ListenerCore*& slot_of(lua_State* L, int index) {
  return *static_cast<ListenerCore**>(luaL_checkudata(L, index, kListenerMetatable));
}

ListenerCore& check_open(lua_State* L) {
  ListenerCore* l = slot_of(L, 1);
  if (!l || l->closing) luaL_error(L, "std.net: listener is closed");
  return *l;
}

int accept_step(lua_State* L, ListenerCore& l);

int k_accept(lua_State* L, int, lua_KContext) {
  ListenerCore& l = check_open(L);
  l.accept_busy = false;
  uv_unref(&l.h.handle);
  return accept_step(L, l);
}

// [-0, +1, e] Accepts one waiting connection into the Stream at the top.
void accept_into_stream(lua_State* L, ListenerCore& l) {
  auto* core = new (std::nothrow) StreamCore;
  if (!core) luaL_error(L, "not enough memory");
  uv_loop_t* loop = l.h.handle.loop;
  if (l.is_unix) {
    uv_pipe_init(loop, &core->h.pipe, 0);
  } else {
    uv_tcp_init(loop, &core->h.tcp);
    core->is_tcp = true;
  }
  core->h.handle.data = core;
  core->initialized = true;
  const int r = uv_accept(&l.h.stream, core->stream());
  --l.pending;
  if (r == 0 && core->is_tcp) {
    uv_tcp_nodelay(&core->h.tcp, 1);
    describe_tcp(&core->h.tcp, core->peer, core->local_address);
    try {
      core->label = core->peer;
    } catch (const std::bad_alloc&) {
    }
  } else if (r == 0) {
    try {
      core->label = l.address;
    } catch (const std::bad_alloc&) {
    }
  }
  attach_stream(L, -1, core);
  attach_stream_to_scope(L, core);
  if (r < 0) {
    core->start_closing();
    raise_uv_error(L, "listener:accept", "cannot accept on", l.address.c_str(), r);
  }
}

int accept_step(lua_State* L, ListenerCore& l) {
  if (l.listen_error) {
    const int e = l.listen_error;
    l.listen_error = 0;
    raise_uv_error(L, "listener:accept", "cannot accept on", l.address.c_str(), e);
  }
  if (l.pending > 0) {
    push_stream(L);
    accept_into_stream(L, l);
    return 1;
  }
  l.accept_busy = true;
  uv_ref(&l.h.handle);
  l.accept_awaiter.reset();
  return await(L, l.accept_awaiter, "listener:accept", &k_accept, 0);
}

int listener_accept(lua_State* L) {
  ListenerCore& l = check_open(L);
  lua_settop(L, 1);
  if (l.accept_busy) return luaL_error(L, "std.net: another task is accepting on this listener");
  return accept_step(L, l);
}

int listener_close(lua_State* L) {
  if (ListenerCore* l = slot_of(L, 1)) l->start_closing();
  return 0;
}

int listener_is_closed(lua_State* L) {
  ListenerCore* l = slot_of(L, 1);
  lua_pushboolean(L, !l || l->closing);
  return 1;
}

int listener_gc(lua_State* L) {
  auto** slot = static_cast<ListenerCore**>(lua_touserdata(L, 1));
  if (ListenerCore* l = *slot) {
    *slot = nullptr;
    l->drop_lua_object();
  }
  return 0;
}

int listener_index(lua_State* L) {
  ListenerCore* l = slot_of(L, 1);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  const char* key = lua_tostring(L, 2);
  if (!l || !key) return 0;
  if (std::strcmp(key, "port") == 0 && !l->is_unix) {
    lua_pushinteger(L, l->port);
  } else if (std::strcmp(key, "address") == 0) {
    lua_pushstring(L, l->address.c_str());
  } else {
    lua_pushnil(L);
  }
  return 1;
}

int listener_tostring(lua_State* L) {
  ListenerCore* l = slot_of(L, 1);
  lua_pushfstring(L, "Listener (%s)%s", l ? l->address.c_str() : "", !l || l->closing ? " closed" : "");
  return 1;
}

// [-0, +1, e] A new Listener object with a core whose handle is not yet
// initialised.
ListenerCore& push_listener(lua_State* L) {
  auto** slot = static_cast<ListenerCore**>(lua_newuserdatauv(L, sizeof(ListenerCore*), 0));
  *slot = nullptr;
  luaL_setmetatable(L, kListenerMetatable);
  auto* l = new (std::nothrow) ListenerCore;
  if (!l) luaL_error(L, "not enough memory");
  *slot = l;
  if (!own(L, l->owned)) luaL_error(L, "std.net: runtime is shut down");
  attach_to_scope(L, l->scoped);
  return *l;
}

void start_listening(lua_State* L, ListenerCore& l, int backlog, const char* op) {
  l.h.handle.data = &l;
  const int r = uv_listen(&l.h.stream, backlog, &on_connection);
  if (r < 0) raise_uv_error(L, op, "cannot listen on", l.address.c_str(), r);
  uv_unref(&l.h.handle);
}

// [-0, +0, e] Under a network policy, raises kind "denied" unless it
// allows listening on host:port: by the name as given (address null),
// or on the address the name stands for (spec std-io.md 7). Both are
// asked before any socket exists.
void check_listen(lua_State* L, const char* host, int port, const sockaddr* address) {
  const std::shared_ptr<const NetPolicy>& policy = policy_of(L).net;
  if (!policy) return;
  const auto port16 = static_cast<std::uint16_t>(port);
  const bool allowed = address ? policy_answer(L, [&] { return policy->allows_listen_address(host, *address); })
                               : policy_answer(L, [&] { return policy->allows_listen(host, port16); });
  if (allowed) return;
  lua_pushfstring(L, std::strchr(host, ':') != nullptr ? "[%s]:%d" : "%s:%d", host, port);
  raise_denied(L, "std.net.listen", lua_tostring(L, -1));
}

// [-0, +1, e] Binds a new Listener at the top of the stack to `addr`
// (its port set) and listens; the arguments are at 1 (host) and 2 (port).
int listen_on(lua_State* L, sockaddr_storage& addr, int backlog) {
  const char* host = lua_tostring(L, 1);
  const int port = static_cast<int>(lua_tointeger(L, 2));
  IoContext& ctx = context(L);
  check_listen(L, host, port, reinterpret_cast<const sockaddr*>(&addr));
  ListenerCore& l = push_listener(L);
  uv_tcp_init(ctx.loop, &l.h.tcp);
  l.initialized = true;
  l.h.handle.data = &l;
  lua_pushfstring(L, "%s:%d", host, port);
  try {
    l.address = lua_tostring(L, -1);
  } catch (const std::bad_alloc&) {
  }
  lua_pop(L, 1);
  int r = uv_tcp_bind(&l.h.tcp, reinterpret_cast<sockaddr*>(&addr), 0);
  if (r < 0) raise_uv_error(L, "std.net.listen", "cannot listen on", l.address.c_str(), r);
  start_listening(L, l, backlog, "std.net.listen");
  sockaddr_storage bound{};
  int len = sizeof bound;
  if (uv_tcp_getsockname(&l.h.tcp, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    l.port = address_port(reinterpret_cast<sockaddr*>(&bound));
    std::string text = format_address(reinterpret_cast<sockaddr*>(&bound));
    if (!text.empty()) l.address.swap(text);
  }
  return 1;
}

// Stack: 1 host, 2 port, 3 opts, 4 the lookup's box; ctx is the backlog.
int k_listen(lua_State* L, int, lua_KContext backlog) {
  ResolveOp& op = resolve_at(L, 4);
  if (op.status < 0) raise_uv_error(L, "std.net.listen", "cannot resolve", op.host.c_str(), op.status);
  if (!op.addresses) raise_uv_error(L, "std.net.listen", "cannot resolve", op.host.c_str(), UV_EAI_NONAME);
  sockaddr_storage addr{};
  std::memcpy(&addr, op.addresses->ai_addr, op.addresses->ai_addrlen);
  const auto port = htons(static_cast<uint16_t>(lua_tointeger(L, 2)));
  if (addr.ss_family == AF_INET)
    reinterpret_cast<sockaddr_in*>(&addr)->sin_port = port;
  else
    reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = port;
  return listen_on(L, addr, static_cast<int>(backlog));
}

// std.net.listen(host, port, opts?) -> Listener
int l_listen(lua_State* L) {
  const char* host = luaL_checkstring(L, 1);
  const lua_Integer port = luaL_checkinteger(L, 2);
  luaL_argcheck(L, port >= 0 && port <= 65535, 2, "port must be in 0..65535");
  const lua_Integer backlog = opt_field_integer(L, 3, "backlog", 511, "std.net.listen");
  lua_settop(L, 3);
  check_listen(L, host, static_cast<int>(port), nullptr);
  sockaddr_storage addr{};
  if (parse_ip(host, static_cast<int>(port), addr)) return listen_on(L, addr, static_cast<int>(backlog));
  // A name (say "localhost"): looked up on the threadpool, as connect's.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  ResolveOp& op = push_resolve(L, host, hints);
  return await_resolve(L, op, "std.net.listen", &k_listen, static_cast<lua_KContext>(backlog));
}

// std.net.listen_unix(path, opts?) -> Listener
int l_listen_unix(lua_State* L) {
  const char* path = luaL_checkstring(L, 1);
  const lua_Integer backlog = opt_field_integer(L, 2, "backlog", 511, "std.net.listen_unix");
  check_path(L, "std.net.listen_unix", path, PathAccess::write);
  IoContext& ctx = context(L);
  lua_settop(L, 2);
  ListenerCore& l = push_listener(L);
  uv_pipe_init(ctx.loop, &l.h.pipe, 0);
  l.initialized = true;
  l.is_unix = true;
  l.h.handle.data = &l;
  try {
    l.address = path;
  } catch (const std::bad_alloc&) {
  }
  const int r = uv_pipe_bind(&l.h.pipe, path);
  if (r < 0) raise_uv_error(L, "std.net.listen_unix", "cannot listen on", path, r);
  try {
    l.path = path;  // ours now: unlinked when closed
  } catch (const std::bad_alloc&) {
  }
  start_listening(L, l, static_cast<int>(backlog), "std.net.listen_unix");
  return 1;
}

// serve(handler): accepts until cancelled or closed; a task per connection
// in a scope of its own, each stream closed when its handler ends.
const char kServe[] = R"(
local task = ...
return function(self, handler)
  if type(handler) ~= "function" then
    error("listener:serve: handler must be a function", 2)
  end
  task.scope(function(s)
    while true do
      local ok, conn = pcall(self.accept, self)
      if not ok then
        if self:is_closed() then return end
        error(conn, 0)
      end
      s:spawn(function()
        local c <close> = conn
        handler(c)
      end)
    end
  end)
end
)";

}  // namespace

void init_listener_type(lua_State* L) {
  init_resolve(L);
  luaL_newmetatable(L, kListenerMetatable);
  const luaL_Reg methods[] = {{"accept", listener_accept},
                              {"close", listener_close},
                              {"is_closed", listener_is_closed},
                              {nullptr, nullptr}};
  luaL_newlib(L, methods);
  if (luaL_loadbuffer(L, kServe, sizeof kServe - 1, "=std.net.serve") != LUA_OK) lua_error(L);
  lua_getglobal(L, "std");
  lua_getfield(L, -1, "task");
  lua_remove(L, -2);
  lua_call(L, 1, 1);
  lua_setfield(L, -2, "serve");
  lua_pushcclosure(L, listener_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, listener_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushcfunction(L, listener_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, listener_close);
  lua_setfield(L, -2, "__close");
  lua_pop(L, 1);
}

void set_listen_functions(lua_State* L) {
  lua_pushcfunction(L, l_listen);
  lua_setfield(L, -2, "listen");
  lua_pushcfunction(L, l_listen_unix);
  lua_setfield(L, -2, "listen_unix");
}

}  // namespace lua_batteries::io
