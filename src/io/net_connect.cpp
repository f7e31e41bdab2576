// std.net.connect / connect_unix (spec std-io.md section 3).
//
// One ConnectOp per call: the name lookup on the threadpool (skipped for a
// literal address), then one attempt per address in order, each on a
// fresh handle. The op frees itself once no libuv request of its own is in
// flight and its Lua box is gone. Cancelled: the lookup is cancelled
// (uv_cancel; a lookup already running finishes and is discarded) and an
// attempt in progress is closed, so nothing is left open.
//
// Under a network policy (spec std-io.md 7) the name the script gave is
// checked before the lookup, and every address it resolved to before the
// first attempt: one denied address denies the connect, so that a name
// cannot lead to an address the policy did not grant; no socket is opened
// before both checks passed.
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
#include "io/stream.hpp"

namespace lua_batteries::io {
namespace {

constexpr const char* kConnectMetatable = "std.net.ConnectOp";

struct ConnectOp {
  ConnectOp();
  ~ConnectOp() {
    if (addresses) uv_freeaddrinfo(addresses);
  }
  void try_next();
  void fail(int status);
  void maybe_free();

  uv_loop_t* loop = nullptr;
  LookupGate* gate = nullptr;
  LookupWaiter gate_waiter;
  uv_getaddrinfo_t lookup{};
  addrinfo hints{};
  std::string host;
  char service[8] = {};
  uv_connect_t connect_req{};
  Awaiter awaiter;
  addrinfo* addresses = nullptr;
  addrinfo* next = nullptr;
  sockaddr_storage literal{};
  bool has_literal = false;
  StreamCore* attempt = nullptr;  // the handle being connected
  StreamCore* result = nullptr;   // connected, not yet handed to Lua
  std::string path;               // Unix
  bool is_unix = false;
  bool unix_tried = false;  // a path has one address
  bool nodelay = true;
  int status = 0;                 // the last error
  int in_flight = 0;              // lookup or connect request
  bool interrupted = false;
  bool lua_gone = false;
  bool denied = false;            // the policy refused a resolved address
  std::shared_ptr<const NetPolicy> policy;  // null: everything allowed
};

// Whether the policy (if any) allows every stream address of the lookup;
// a policy that runs out of memory denies.
bool addresses_allowed(const ConnectOp& op) noexcept {
  if (!op.policy) return true;
  try {
    for (const addrinfo* a = op.addresses; a; a = a->ai_next)
      if (a->ai_socktype == SOCK_STREAM && !op.policy->allows_connect_address(op.host, *a->ai_addr)) return false;
  } catch (const std::bad_alloc&) {
    return false;
  }
  return true;
}

void ConnectOp::maybe_free() {
  if (in_flight == 0 && lua_gone) delete this;
}

void drop_core(StreamCore*& core) {
  if (!core) return;
  StreamCore* c = core;
  core = nullptr;
  c->drop_lua_object();
}

void ConnectOp::fail(int s) {
  status = s;
  if (!interrupted) awaiter.complete();
}

void on_connected(uv_connect_t* req, int s) {
  auto& op = *static_cast<ConnectOp*>(req->data);
  --op.in_flight;
  if (op.interrupted || s == UV_ECANCELED) {
    drop_core(op.attempt);
    op.maybe_free();
    return;
  }
  if (s < 0) {
    op.status = s;
    drop_core(op.attempt);
    op.try_next();
    return;
  }
  op.result = op.attempt;
  op.attempt = nullptr;
  op.awaiter.complete();
}

void ConnectOp::try_next() {
  const sockaddr* addr = nullptr;
  if (is_unix) {
    if (unix_tried) {
      fail(status ? status : UV_ECONNREFUSED);
      return;
    }
    unix_tried = true;
  } else {
    if (has_literal) {
      addr = reinterpret_cast<const sockaddr*>(&literal);
      has_literal = false;
    } else {
      while (next && next->ai_socktype != SOCK_STREAM) next = next->ai_next;
      if (next) {
        addr = next->ai_addr;
        next = next->ai_next;
      }
    }
    if (!addr) {
      fail(status ? status : UV_ECONNREFUSED);
      return;
    }
  }
  auto* core = new (std::nothrow) StreamCore;
  if (!core) {
    fail(UV_ENOMEM);
    return;
  }
  core->lua_gone = false;
  int r = 0;
  if (is_unix) {
    uv_pipe_init(loop, &core->h.pipe, 0);
  } else {
    uv_tcp_init(loop, &core->h.tcp);
    core->is_tcp = true;
  }
  core->h.handle.data = core;
  core->initialized = true;
  attempt = core;
  connect_req.data = this;
  if (is_unix) {
    uv_pipe_connect(&connect_req, &core->h.pipe, path.c_str(), &on_connected);
  } else {
    r = uv_tcp_connect(&connect_req, &core->h.tcp, addr, &on_connected);
  }
  if (r < 0) {
    status = r;
    drop_core(attempt);
    try_next();
    return;
  }
  ++in_flight;
}

void on_resolved(uv_getaddrinfo_t* req, int s, addrinfo* res) {
  auto& op = *static_cast<ConnectOp*>(req->data);
  --op.in_flight;
  if (op.gate) op.gate->leave(op.gate_waiter);
  op.addresses = res;
  op.next = res;
  if (op.interrupted) {
    op.maybe_free();
    return;
  }
  if (s < 0) {
    op.fail(s);
    return;
  }
  if (!addresses_allowed(op)) {
    op.denied = true;
    op.awaiter.complete();
    return;
  }
  op.try_next();
}

// Runs when the gate gives the op a slot: the lookup on the threadpool.
void start_lookup(LookupWaiter& w) {
  ConnectOp& op = *static_cast<ConnectOp*>(w.owner);
  op.lookup.data = &op;
  const int r = uv_getaddrinfo(op.loop, &op.lookup, &on_resolved, op.host.c_str(), op.service, &op.hints);
  if (r < 0) {
    op.gate->leave(op.gate_waiter);
    op.fail(r);
    return;
  }
  ++op.in_flight;
}

void on_interrupt(Awaiter& a, Interruption) {
  auto& op = *static_cast<ConnectOp*>(a.user_data());
  op.interrupted = true;
  if (op.gate && op.gate_waiter.queued) op.gate->leave(op.gate_waiter);  // never started
  if (op.in_flight > 0) uv_cancel(reinterpret_cast<uv_req_t*>(&op.lookup));  // fails harmlessly if not a lookup
  drop_core(op.attempt);  // its connect request ends with ECANCELED
  drop_core(op.result);
}

ConnectOp::ConnectOp() : awaiter(&on_interrupt, this) {}

int connect_gc(lua_State* L) {
  auto** slot = static_cast<ConnectOp**>(lua_touserdata(L, 1));
  ConnectOp* op = *slot;
  *slot = nullptr;
  if (!op) return 0;
  op->interrupted = true;
  // The gate is in memory the state frees: a lookup still running no
  // longer counts once its op's box is gone.
  if (op->gate) op->gate->leave(op->gate_waiter);
  op->gate = nullptr;
  drop_core(op->attempt);
  drop_core(op->result);
  if (op->addresses) uv_freeaddrinfo(op->addresses);
  op->addresses = nullptr;
  op->lua_gone = true;
  op->maybe_free();
  return 0;
}

// [-0, +1, e] A ConnectOp in a box at the top of the stack.
ConnectOp& push_op(lua_State* L) {
  auto** slot = static_cast<ConnectOp**>(lua_newuserdatauv(L, sizeof(ConnectOp*), 0));
  *slot = nullptr;
  luaL_setmetatable(L, kConnectMetatable);
  auto* op = new (std::nothrow) ConnectOp;
  if (!op) luaL_error(L, "not enough memory");
  *slot = op;
  op->loop = context(L).loop;
  return *op;
}

// Stack: 1 target text, 2 op name, 3 the op's box, 4 the Stream.
int k_connect(lua_State* L, int, lua_KContext) {
  ConnectOp& op = **static_cast<ConnectOp**>(lua_touserdata(L, 3));
  const char* fname = lua_tostring(L, 2);
  if (op.denied) raise_denied(L, fname, lua_tostring(L, 1));
  if (!op.result) raise_uv_error(L, fname, "cannot connect to", lua_tostring(L, 1), op.status);
  StreamCore* core = op.result;
  op.result = nullptr;
  if (core->is_tcp) {
    if (op.nodelay) uv_tcp_nodelay(&core->h.tcp, 1);
    describe_tcp(&core->h.tcp, core->peer, core->local_address);
  }
  try {
    core->label = lua_tostring(L, 1);
  } catch (const std::bad_alloc&) {
  }
  attach_stream(L, 4, core);
  attach_stream_to_scope(L, core);
  lua_settop(L, 4);
  return 1;
}

// std.net.connect(host, port, opts?) -> Stream
int l_connect(lua_State* L) {
  const char* host = luaL_checkstring(L, 1);
  const lua_Integer port = luaL_checkinteger(L, 2);
  luaL_argcheck(L, port > 0 && port <= 65535, 2, "port must be in 1..65535");
  const bool nodelay = opt_field_boolean(L, 3, "nodelay", true, "std.net.connect");
  const bool literal_v6 = std::strchr(host, ':') != nullptr;
  // The host stays at 1 (keeping `host` alive) until the await; the layout
  // k_connect sees is made by removing it.
  lua_settop(L, 1);
  lua_pushfstring(L, literal_v6 ? "[%s]:%d" : "%s:%d", host, static_cast<int>(port));
  const char* target = lua_tostring(L, 2);
  lua_pushliteral(L, "std.net.connect");
  const std::shared_ptr<const NetPolicy>& policy = policy_of(L).net;
  const auto port16 = static_cast<std::uint16_t>(port);
  if (policy && !policy_answer(L, [&] { return policy->allows_connect(host, port16); }))
    raise_denied(L, "std.net.connect", target);
  sockaddr_storage literal{};
  const bool is_literal = parse_ip(host, static_cast<int>(port), literal);
  const auto& literal_address = reinterpret_cast<const sockaddr&>(literal);
  if (is_literal && policy && !policy_answer(L, [&] { return policy->allows_connect_address(host, literal_address); }))
    raise_denied(L, "std.net.connect", target);
  ConnectOp& op = push_op(L);
  push_stream(L);
  op.nodelay = nodelay;
  op.policy = policy;
  if (is_literal) {
    op.literal = literal;
    op.has_literal = true;
    op.try_next();
  } else {
    op.hints.ai_family = AF_UNSPEC;
    op.hints.ai_socktype = SOCK_STREAM;
    snprintf(op.service, sizeof op.service, "%d", static_cast<int>(port));
    bool copied = false;
    try {
      op.host = host;
      copied = true;
    } catch (const std::bad_alloc&) {
    }
    if (!copied) return luaL_error(L, "not enough memory");
    op.gate = &context(L).lookups;
    op.gate_waiter.start = &start_lookup;
    op.gate_waiter.owner = &op;
    op.gate->enter(op.gate_waiter);
    if (op.status) raise_uv_error(L, "std.net.connect", "cannot resolve", host, op.status);
  }
  if (op.status && !op.attempt) raise_uv_error(L, "std.net.connect", "cannot connect to", target, op.status);
  lua_remove(L, 1);
  return await(L, op.awaiter, "std.net.connect", &k_connect, 0);
}

// std.net.connect_unix(path) -> Stream
int l_connect_unix(lua_State* L) {
  const char* path = luaL_checkstring(L, 1);
  check_path(L, "std.net.connect_unix", path, PathAccess::read);
  lua_settop(L, 1);
  lua_pushliteral(L, "std.net.connect_unix");
  ConnectOp& op = push_op(L);
  push_stream(L);
  op.is_unix = true;
  try {
    op.path = path;
  } catch (const std::bad_alloc&) {
    return luaL_error(L, "not enough memory");
  }
  op.try_next();
  if (op.status && !op.attempt) raise_uv_error(L, "std.net.connect_unix", "cannot connect to", path, op.status);
  return await(L, op.awaiter, "std.net.connect_unix", &k_connect, 0);
}

}  // namespace

void init_connect(lua_State* L) {
  luaL_newmetatable(L, kConnectMetatable);
  lua_pushcfunction(L, connect_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
}

void set_connect_functions(lua_State* L) {
  lua_pushcfunction(L, l_connect);
  lua_setfield(L, -2, "connect");
  lua_pushcfunction(L, l_connect_unix);
  lua_setfield(L, -2, "connect_unix");
}

}  // namespace lua_batteries::io
