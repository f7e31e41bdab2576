// A name lookup a task waits for (std.net.listen's host; spec std-io.md
// section 3): uv_getaddrinfo on the threadpool, through the context's
// lookup gate so that lookups stay bounded below the pool's size.
//
// Cancelled: a lookup waiting for the gate leaves it without starting; a
// queued one is cancelled (uv_cancel); one already running finishes and
// is discarded. The op frees itself once its lookup is over and its Lua
// box is gone.
#pragma once

#include <lua.hpp>
#include <uv.h>

#include <string>

#include "io/lookup_gate.hpp"
#include "lua_batteries/task.hpp"

namespace lua_batteries::io {

struct ResolveOp {
  ResolveOp();
  ResolveOp(const ResolveOp&) = delete;
  ResolveOp& operator=(const ResolveOp&) = delete;
  ~ResolveOp();

  uv_loop_t* loop = nullptr;
  LookupGate* gate = nullptr;
  LookupWaiter gate_waiter;
  uv_getaddrinfo_t req{};
  addrinfo hints{};
  std::string host;
  Awaiter awaiter;
  addrinfo* addresses = nullptr;  // the result, owned
  int status = 0;                 // a libuv error, or 0
  bool in_flight = false;
  bool interrupted = false;
  bool lua_gone = false;
};

/// [-0, +1, m] Pushes a box owning a new lookup of `host` with `hints`.
ResolveOp& push_resolve(lua_State* L, const char* host, const addrinfo& hints);
/// [-0, +0, -] The lookup in the box at `index`.
ResolveOp& resolve_at(lua_State* L, int index);
/// [-0, +0, v] Starts the lookup (its box must stay on the stack) and
/// awaits it with continuation k, which reads op.status / op.addresses. A
/// lookup that cannot start raises kind "io" naming `op_name`.
int await_resolve(lua_State* L, ResolveOp& op, const char* op_name, lua_KFunction k, lua_KContext ctx);
/// [-0, +0, e] Creates the box metatable; once per state.
void init_resolve(lua_State* L);

}  // namespace lua_batteries::io
