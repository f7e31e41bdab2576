// std.task.shield and std.task.move_on (spec sections 5 and 6), built on
// scopes.
//
// shield runs fn in a scope whose token is a root of its own: cancellation
// from outside does not reach its suspension points, while a hard abort
// does, because a hard abort follows the fiber waiting for a scope down
// into that scope's body and children (Runtime::AbortWalk), whatever its
// token. move_on is with_timeout whose own deadline becomes a `false`
// return instead of an error, unless the caller was cancelled meanwhile.
#include <string_view>

#include "core/duration.hpp"
#include "lua/coordination.hpp"
#include "runtime/error_value.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

// Upvalues beyond the function and the count, at most (Lua allows 255).
constexpr int kMaxShieldArgs = 250;

Runtime& runtime_of(lua_State* L) { return *static_cast<Runtime*>(lua_touserdata(L, lua_upvalueindex(1))); }

// --- shield -------------------------------------------------------------------

int shield_body_done(lua_State* L, int, lua_KContext) { return lua_gettop(L); }

// The shield's scope body: calls upvalue 1 with the upvalue-2 arguments
// that follow it (its own argument, the scope, is not fn's).
int shield_body(lua_State* L) {
  lua_settop(L, 0);
  const int nargs = static_cast<int>(lua_tointeger(L, lua_upvalueindex(2)));
  luaL_checkstack(L, nargs + 1, "too many arguments");
  for (int i = 1; i <= nargs + 1; ++i) lua_pushvalue(L, lua_upvalueindex(i == 1 ? 1 : i + 1));
  lua_callk(L, nargs, LUA_MULTRET, 0, &shield_body_done);
  return lua_gettop(L);
}

int l_shield(lua_State* L) {
  Runtime& rt = runtime_of(L);
  luaL_checktype(L, 1, LUA_TFUNCTION);
  const int nargs = lua_gettop(L) - 1;
  if (nargs > kMaxShieldArgs) return luaL_error(L, "std.task.shield: too many arguments (%d)", nargs);
  lua_pushvalue(L, 1);
  lua_pushinteger(L, nargs);
  for (int i = 2; i <= nargs + 1; ++i) lua_pushvalue(L, i);
  lua_pushcclosure(L, shield_body, nargs + 2);
  const int body = lua_gettop(L);
  return open_scope(L, rt, ScopeRequest{ScopeKind::scope, "std.task.shield", 0, body, 0, 0, true, nullptr});
}

// --- move_on ------------------------------------------------------------------

// The caller of move_on is back: true and the body's values, false for
// its own deadline, or what the scope raises.
int after_move_on(lua_State* L, int, lua_KContext ctx) {
  Scope& s = *reinterpret_cast<Scope*>(ctx);
  Runtime& rt = s.rt;
  if (Fiber* f = rt.running()) check_aborted(L, *f);  // the abort released the scope
  if (s.deadline_hit) {
    rt.release_scope(s);
    // The deadline passed, but if the caller was cancelled too that cancel
    // is not move_on's to swallow (kotlinx.coroutines#67).
    if (Fiber* f = rt.running(); f && f->is_cancelled()) rt.errors().raise(L, ErrorKind::cancelled);
    lua_pushboolean(L, 0);
    return 1;
  }
  const int n = deliver_scope_result(L, s);
  luaL_checkstack(L, 1, "too many results");
  lua_pushboolean(L, 1);
  lua_insert(L, -(n + 1));
  return n + 1;
}

int l_move_on(lua_State* L) {
  Runtime& rt = runtime_of(L);
  const double ms = check_duration_arg(L, 1, "task.move_on");
  luaL_checktype(L, 2, LUA_TFUNCTION);
  const double grace_ms = read_grace_option(L, rt, 3, "task.move_on");
  return open_scope(
      L, rt, ScopeRequest{ScopeKind::with_timeout, "std.task.move_on", 0, 2, ms, grace_ms, false, &after_move_on});
}

}  // namespace

void open_shield_move_on(lua_State* L, Runtime& rt, int module_index) {
  lua_pushlightuserdata(L, &rt);
  lua_pushcclosure(L, l_shield, 1);
  lua_setfield(L, module_index, "shield");
  lua_pushlightuserdata(L, &rt);
  lua_pushcclosure(L, l_move_on, 1);
  lua_setfield(L, module_index, "move_on");
}

}  // namespace lua_batteries::detail
