#include "io/net_resolve.hpp"

#include <new>

#include "io/io_context.hpp"
#include "io/io_error.hpp"

namespace lua_batteries::io {
namespace {

constexpr const char* kResolveMetatable = "std.net.ResolveOp";

void maybe_free(ResolveOp& op) {
  if (!op.in_flight && op.lua_gone) delete &op;
}

void on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* res) {
  auto& op = *static_cast<ResolveOp*>(req->data);
  op.in_flight = false;
  if (op.gate) op.gate->leave(op.gate_waiter);
  op.addresses = res;
  op.status = status;
  if (op.interrupted) {
    maybe_free(op);
    return;
  }
  op.awaiter.complete();
}

// Runs when the gate gives the op a slot.
void start_lookup(LookupWaiter& w) {
  auto& op = *static_cast<ResolveOp*>(w.owner);
  op.req.data = &op;
  const int r = uv_getaddrinfo(op.loop, &op.req, &on_resolved, op.host.c_str(), nullptr, &op.hints);
  if (r < 0) {
    op.gate->leave(op.gate_waiter);
    op.status = r;
    op.awaiter.complete();
    return;
  }
  op.in_flight = true;
}

void on_interrupt(Awaiter& a, Interruption) {
  auto& op = *static_cast<ResolveOp*>(a.user_data());
  op.interrupted = true;
  if (op.gate && op.gate_waiter.queued) op.gate->leave(op.gate_waiter);  // never started
  if (op.in_flight) uv_cancel(reinterpret_cast<uv_req_t*>(&op.req));    // fails once running
}

int resolve_gc(lua_State* L) {
  auto** slot = static_cast<ResolveOp**>(lua_touserdata(L, 1));
  ResolveOp* op = *slot;
  *slot = nullptr;
  if (!op) return 0;
  op->interrupted = true;
  // The gate lives in memory the state frees: a lookup still running no
  // longer counts once its box is gone.
  if (op->gate) op->gate->leave(op->gate_waiter);
  op->gate = nullptr;
  op->lua_gone = true;
  maybe_free(*op);
  return 0;
}

}  // namespace

ResolveOp::ResolveOp() : awaiter(&on_interrupt, this) {
  gate_waiter.start = &start_lookup;
  gate_waiter.owner = this;
}

ResolveOp::~ResolveOp() {
  if (addresses) uv_freeaddrinfo(addresses);
}

ResolveOp& push_resolve(lua_State* L, const char* host, const addrinfo& hints) {
  auto** slot = static_cast<ResolveOp**>(lua_newuserdatauv(L, sizeof(ResolveOp*), 0));
  *slot = nullptr;
  luaL_setmetatable(L, kResolveMetatable);
  auto* op = new (std::nothrow) ResolveOp;
  if (!op) luaL_error(L, "not enough memory");
  *slot = op;
  bool copied = false;
  try {
    op->host = host;
    copied = true;
  } catch (const std::bad_alloc&) {
  }
  if (!copied) luaL_error(L, "not enough memory");
  op->hints = hints;
  op->loop = context(L).loop;
  return *op;
}

ResolveOp& resolve_at(lua_State* L, int index) { return **static_cast<ResolveOp**>(lua_touserdata(L, index)); }

int await_resolve(lua_State* L, ResolveOp& op, const char* op_name, lua_KFunction k, lua_KContext ctx) {
  check_cancelled(L);  // a cancelled task starts no lookup
  op.gate = &context(L).lookups;
  op.gate->enter(op.gate_waiter);
  if (op.status) raise_uv_error(L, op_name, "cannot resolve", op.host.c_str(), op.status);
  return await(L, op.awaiter, op_name, k, ctx);
}

void init_resolve(lua_State* L) {
  luaL_newmetatable(L, kResolveMetatable);
  lua_pushcfunction(L, resolve_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
}

}  // namespace lua_batteries::io
