// CancelToken:child() and CancelToken:wait() (spec section 9), added to
// the CancelToken methods.
#include <new>

#include "lua/coordination.hpp"
#include "lua/error_object.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

// [-0, +0, v] The token of the CancelToken at `index`.
CancelToken& check_token_arg(lua_State* L, int index) {
  CancelToken* token = token_of_object(L, index);
  if (!token) {
    if (lua_getmetatable(L, index) && lua_getfield(L, -1, "__name") == LUA_TSTRING &&
        std::string_view(lua_tostring(L, -1)) == "std.task.CancelToken")
      luaL_error(L, "std.task: the CancelToken was finalized");
    luaL_typeerror(L, index, "std.task.CancelToken");
  }
  return *token;
}

int token_child(lua_State* L) {
  CancelToken& parent = check_token_arg(L, 1);
  Runtime& rt = *static_cast<Runtime*>(lua_touserdata(L, lua_upvalueindex(1)));
  push_token_object(L, rt, nullptr);  // first: if it cannot be made, no token leaks
  CancelToken* child = nullptr;
  try {
    child = CancelToken::create(&parent);  // cancelled at once if the parent is
  } catch (const std::bad_alloc&) {
    child = nullptr;
  }
  if (!child) raise_out_of_memory(L);
  lua_pop(L, 1);
  push_token_object(L, rt, child);
  child->release();  // the object holds the only reference now
  return 1;
}

// A wait for a token: the waiter registered on it, in a userdata on the
// waiting task's stack (index 2), and the fiber's node in wait_node.
struct TokenWait {
  explicit TokenWait(Fiber& f) : waiter(&TokenWait::on_cancelled), fiber(&f) {}
  static void on_cancelled(CancelWaiter& w) {
    TokenWait& t = container_of(w, &TokenWait::waiter);
    t.fiber->wait_node.data = kCompleted;
    t.fiber->rt.resume_later(*t.fiber);
  }
  CancelWaiter waiter;
  Fiber* fiber;
};

void token_wait_interrupt(WaitNode& node, bool) {
  reinterpret_cast<TokenWait*>(node.data)->waiter.unregister();
  node.data = kInterrupted;
}

const WaitKind kTokenWaitKind{&token_wait_interrupt};

int after_token_wait(lua_State* L, int, lua_KContext ctx) {
  Fiber& f = *reinterpret_cast<Fiber*>(ctx);
  if (f.wait_node.data != kCompleted) raise_error(L, f.rt, ErrorKind::cancelled);
  return 0;
}

int token_wait(lua_State* L) {
  CancelToken& token = check_token_arg(L, 1);
  Runtime& rt = *static_cast<Runtime*>(lua_touserdata(L, lua_upvalueindex(1)));
  lua_settop(L, 1);
  Fiber* f = enter_wait(L, rt);
  if (token.is_cancelled()) return 0;
  Fiber& waiter = require_fiber(L, f, "std.task.CancelToken:wait");
  // No finalizer: the waiter is unregistered before the wait ends, and the
  // userdata stays on the stack until then.
  auto* wait = new (lua_newuserdatauv(L, sizeof(TokenWait), 0)) TokenWait(waiter);
  token.add_waiter(wait->waiter);
  prepare_node(waiter, kTokenWaitKind);
  waiter.wait_node.data = reinterpret_cast<std::uintptr_t>(wait);
  return suspend_in_queue(L, waiter, &after_token_wait);
}

}  // namespace

void open_token_links(lua_State* L, Runtime& rt, int) {
  lua_getfield(L, LUA_REGISTRYINDEX, "std.task.CancelToken");  // its metatable
  lua_getfield(L, -1, "__index");
  lua_pushlightuserdata(L, &rt);
  lua_pushcclosure(L, token_child, 1);
  lua_setfield(L, -2, "child");
  lua_pushlightuserdata(L, &rt);
  lua_pushcclosure(L, token_wait, 1);
  lua_setfield(L, -2, "wait");
  lua_pop(L, 2);
}

}  // namespace lua_batteries::detail
