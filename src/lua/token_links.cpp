// CancelToken:child() and CancelToken:wait() (spec section 9), added to
// the CancelToken methods.
#include <new>

#include "lua/coordination.hpp"
#include "runtime/error_value.hpp"
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

// A wait for a token: its site and the waiter registered on the token, in
// a userdata on the waiting task's stack (index 2).
struct TokenWait {
  explicit TokenWait(Fiber& f) : site(&TokenWait::interrupted, false, "cancel token wait"), waiter(&TokenWait::on_cancelled), fiber(&f) {}
  static void on_cancelled(CancelWaiter& w) {
    TokenWait& t = container_of(w, &TokenWait::waiter);
    t.fiber->rt.complete_wait(*t.fiber);
  }
  static void interrupted(WaitSite& s, Fiber&, Interruption) { container_of(s, &TokenWait::site).waiter.unregister(); }
  WaitSite site;
  CancelWaiter waiter;
  Fiber* fiber;
};

int after_token_wait(lua_State* L, int, lua_KContext ctx) {
  Fiber& f = *reinterpret_cast<Fiber*>(ctx);
  if (!f.rt.finish_wait(f)) raise_interrupted(L, f);
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
  rt.wait_on(waiter, wait->site);
  return rt.suspend(L, waiter, &after_token_wait, reinterpret_cast<lua_KContext>(&waiter));
}

}  // namespace

void open_token_links(lua_State* L, Runtime& rt, int) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, rt.metatables().token);
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
