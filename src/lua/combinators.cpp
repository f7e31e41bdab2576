// std.task.gather and std.task.race (spec section 4): several functions,
// each in its own task of a new fail-fast scope (section 7), the caller
// waiting for every task, as task.scope does.
//
// Each task calls its function under lua_pcallk, so that its __close
// handlers run where Lua can yield (an asynchronous cleanup works), and
// raises its error again: an error fails the task, and the
// fail-fast scope keeps the first such error, cancels the others (tasks
// not yet started then never call their function) and raises it unchanged
// once everything is done. So a task that fails before its function runs
// (no memory for its thread) is seen like any other failure. A function
// that returns records its first value (gather) or, for race, the first
// one wins: it cancels the scope, which stops being fail-fast, so that a
// later error of another task is reported as an unobserved task error
// instead of replacing the winner.
#include <string_view>

#include "lua/coordination.hpp"
#include "runtime/error_value.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

// Slots of the state's data table (its user value 1).
enum DataSlot { kFns = 1, kResults, kWinnerValues, kDataSlots = kWinnerValues };

struct Combinator {
  Runtime* rt;
  const char* name;  // "std.task.gather" or "std.task.race"
  Scope* scope;      // from the body's start until the scope is released
  int n;
  int limit;     // most tasks running at once
  int next;      // the next function to start, 1-based
  int returned;  // functions that returned
  bool race;
  int winner;    // race: the index that returned first, 0 until then
};

// [-0, +1, -]
void push_data(lua_State* L, int state_index, DataSlot slot) {
  lua_getiuservalue(L, state_index, 1);
  lua_rawgeti(L, -1, slot);
  lua_remove(L, -2);
}

// [-1, +0, -] Stores the value on top into a slot (it exists: no allocation).
void set_data(lua_State* L, int state_index, DataSlot slot) {
  lua_getiuservalue(L, state_index, 1);
  lua_insert(L, -2);
  lua_rawseti(L, -2, slot);
  lua_pop(L, 1);
}

bool is_stopped(const Combinator& c) { return !c.scope->token || c.scope->token->is_cancelled(); }

int run_child(lua_State* L);

// [-0, +0, e] Spawns the task of function `i` into the scope.
void start_child(lua_State* L, int state_index, Combinator& c, int i) {
  lua_pushvalue(L, state_index);
  lua_pushinteger(L, i);
  lua_pushcclosure(L, run_child, 2);
  spawn_into(L, *c.rt, *c.scope, lua_gettop(L), 0);
  lua_pop(L, 2);
}

// The function of one task ended: its values are on the stack (status
// LUA_OK/LUA_YIELD), or its error is on top, which fails the task.
int child_finished(lua_State* L, int status, lua_KContext) {
  if (status != LUA_OK && status != LUA_YIELD) return lua_error(L);
  const int state_index = lua_upvalueindex(1);
  auto& c = *static_cast<Combinator*>(lua_touserdata(L, state_index));
  const int i = static_cast<int>(lua_tointeger(L, lua_upvalueindex(2)));
  const int nresults = lua_gettop(L);
  ++c.returned;
  if (c.race) {
    if (c.winner != 0 || c.scope->first_failure != FirstFailure::none) return 0;
    lua_createtable(L, nresults, 1);
    for (int k = 1; k <= nresults; ++k) {
      lua_pushvalue(L, k);
      lua_rawseti(L, -2, k);
    }
    lua_pushinteger(L, nresults);
    lua_setfield(L, -2, "n");
    set_data(L, state_index, kWinnerValues);
    c.winner = i;
    c.scope->fail_fast = false;  // decided: a later error is only reported
    if (c.scope->token) c.scope->token->cancel();
    return 0;
  }
  push_data(L, state_index, kResults);
  if (nresults > 0)
    lua_pushvalue(L, 1);
  else
    lua_pushnil(L);
  lua_rawseti(L, -2, i);  // within the array part made for n results
  lua_pop(L, 1);
  if (!is_stopped(c) && c.next <= c.n) start_child(L, state_index, c, c.next++);
  return 0;
}

// A task of the combinator: upvalue 1 the state, 2 the function's index.
int run_child(lua_State* L) {
  auto& c = *static_cast<Combinator*>(lua_touserdata(L, lua_upvalueindex(1)));
  // Spawned, but it is over before it started.
  if (is_stopped(c)) c.rt->errors().raise(L, ErrorKind::cancelled);
  lua_settop(L, 0);
  push_data(L, lua_upvalueindex(1), kFns);
  lua_rawgeti(L, -1, lua_tointeger(L, lua_upvalueindex(2)));
  lua_remove(L, 1);
  return child_finished(L, lua_pcallk(L, 0, LUA_MULTRET, 0, 0, &child_finished), 0);
}

// The scope's body: upvalue 1 the state; argument 1 the Scope.
int combinator_body(lua_State* L) {
  const int state_index = lua_upvalueindex(1);
  auto& c = *static_cast<Combinator*>(lua_touserdata(L, state_index));
  c.scope = &check_scope(L, 1);
  while (c.next <= c.n && c.next <= c.limit) start_child(L, state_index, c, c.next++);
  return 0;
}

// The caller, once the scope has settled (ctx: the Scope). Stack: (fns,
// opts, state, body, body thread, scope object).
int after_scope(lua_State* L, int, lua_KContext ctx) {
  auto& c = *static_cast<Combinator*>(lua_touserdata(L, 3));
  deliver_scope_result(L, *reinterpret_cast<Scope*>(ctx));  // raises the first error; the body returns nothing
  c.scope = nullptr;
  // Not every function returned and none failed: the scope was cancelled
  // from outside (or, for race, every function ended cancelled).
  if (c.race ? c.winner == 0 : c.returned < c.n) c.rt->errors().raise(L, ErrorKind::cancelled);
  if (!c.race) {
    push_data(L, 3, kResults);
    return 1;
  }
  lua_pushinteger(L, c.winner);
  push_data(L, 3, kWinnerValues);
  const int values = lua_gettop(L);
  lua_getfield(L, values, "n");
  const int n = static_cast<int>(lua_tointeger(L, -1));
  lua_pop(L, 1);
  luaL_checkstack(L, n, "too many results");
  for (int k = 1; k <= n; ++k) lua_rawgeti(L, values, k);
  lua_remove(L, values);
  return n + 1;
}

// [-0, +0, v] gather's options: the `concurrency` bound, 0 for none.
int read_gather_options(lua_State* L, const char* name) {
  if (lua_isnoneornil(L, 2)) return 0;
  luaL_checktype(L, 2, LUA_TTABLE);
  int limit = 0;
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "%s: opts keys must be strings, got %s", name, value_type_name(L, -2));
    if (std::string_view(lua_tostring(L, -2)) != "concurrency")
      luaL_error(L, "%s: unknown opts key '%s' (expected 'concurrency')", name, lua_tostring(L, -2));
    lua_Integer n = 0;
    if (!read_count(L, -1, false, &n) || n <= 0)
      raise_bad_value(L, -1, "std.task.gather: opts.concurrency must be a positive integer");
    limit = n > INT32_MAX ? INT32_MAX : static_cast<int>(n);
    lua_pop(L, 1);
  }
  return limit;
}

int run_combinator(lua_State* L, bool race) {
  auto& rt = *static_cast<Runtime*>(lua_touserdata(L, lua_upvalueindex(1)));
  const char* name = race ? "std.task.race" : "std.task.gather";
  luaL_checktype(L, 1, LUA_TTABLE);
  const lua_Unsigned len = lua_rawlen(L, 1);
  if (len > 1000000) return luaL_error(L, "%s: too many functions", name);
  const int n = static_cast<int>(len);
  for (int i = 1; i <= n; ++i) {
    if (lua_rawgeti(L, 1, i) != LUA_TFUNCTION)
      return luaL_error(L, "%s: fns[%d] must be a function, got %s", name, i, luaL_typename(L, -1));
    lua_pop(L, 1);
  }
  if (race && n == 0) return luaL_error(L, "std.task.race: fns must not be empty");
  const int limit = race ? 0 : read_gather_options(L, name);
  lua_settop(L, 2);
  require_fiber(L, enter_wait(L, rt), name);

  auto* c = static_cast<Combinator*>(lua_newuserdatauv(L, sizeof(Combinator), 1));
  *c = Combinator{&rt, name, nullptr, n, limit > 0 ? limit : n, 1, 0, race, 0};
  lua_createtable(L, kDataSlots, 0);
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, kFns);
  if (!race) {
    lua_createtable(L, n, 1);
    lua_pushinteger(L, n);
    lua_setfield(L, -2, "n");
    lua_rawseti(L, -2, kResults);
  }
  lua_setiuservalue(L, 3, 1);
  if (n == 0) {
    push_data(L, 3, kResults);
    return 1;
  }
  lua_pushvalue(L, 3);
  lua_pushcclosure(L, combinator_body, 1);
  ScopeRequest req{ScopeKind::scope, name, 0, 4, 0, 0, false, &after_scope};
  req.fail_fast = true;
  return open_scope(L, rt, req);
}

int l_gather(lua_State* L) { return run_combinator(L, false); }
int l_race(lua_State* L) { return run_combinator(L, true); }

}  // namespace

void open_combinators(lua_State* L, Runtime& rt, int module_index) {
  lua_pushlightuserdata(L, &rt);
  lua_pushcclosure(L, l_gather, 1);
  lua_setfield(L, module_index, "gather");
  lua_pushlightuserdata(L, &rt);
  lua_pushcclosure(L, l_race, 1);
  lua_setfield(L, module_index, "race");
}

}  // namespace lua_batteries::detail
