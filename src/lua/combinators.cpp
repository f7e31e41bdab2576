// std.task.gather and std.task.race (spec section 4): several functions,
// each in its own task of a new scope, with fail-fast (gather) or
// first-to-return (race) and the caller waiting for every task, as
// task.scope does.
//
// Both run task.scope with a C body that spawns the first tasks. Each task
// runs its function under lua_pcallk, so that its outcome lands in the
// shared state instead of failing the task: the first error (or, for
// race, the first return) cancels the scope's token, tasks not yet
// started then never call their function, and once the scope has settled
// the caller raises that error or returns the results. An error of
// another task after the first is raised again by its task, so that it is
// reported as an unobserved task error; cancellations are not.
#include <string_view>

#include "lua/coordination.hpp"
#include "runtime/error_value.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

// Slots of the state's data table (its user value 1).
enum DataSlot { kFns = 1, kResults, kScope, kError, kWinnerValues, kDataSlots = kWinnerValues };

struct Combinator {
  Runtime* rt;
  const char* name;  // "std.task.gather" or "std.task.race"
  int n;
  int limit;       // most tasks running at once
  int next;        // the next function to start, 1-based
  bool race;
  bool failed;     // an error was recorded
  int winner;      // race: the index that returned first, 0 until then
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

// [-0, +0, -] Cancels the combinator's scope: the others stop.
void cancel_scope(lua_State* L, int state_index) {
  push_data(L, state_index, kScope);
  Scope& s = check_scope(L, -1);
  if (s.token) s.token->cancel();
  lua_pop(L, 1);
}

int run_child(lua_State* L);

// [-0, +0, e] Spawns the task of function `i` into the scope.
void start_child(lua_State* L, int state_index, Combinator& c, int i) {
  push_data(L, state_index, kScope);
  Scope& s = check_scope(L, -1);
  lua_pushvalue(L, state_index);
  lua_pushinteger(L, i);
  lua_pushcclosure(L, run_child, 2);
  spawn_into(L, *c.rt, s, lua_gettop(L), 0);
  lua_pop(L, 3);
}

// The end of one function's run, in its own task; its values are on the
// stack (status LUA_OK/LUA_YIELD) or its error is on top.
int child_finished(lua_State* L, int status, lua_KContext) {
  const int state_index = lua_upvalueindex(1);
  auto& c = *static_cast<Combinator*>(lua_touserdata(L, state_index));
  const int i = static_cast<int>(lua_tointeger(L, lua_upvalueindex(2)));
  if (status != LUA_OK && status != LUA_YIELD) {
    if (!c.failed && c.winner == 0) {
      c.failed = true;
      set_data(L, state_index, kError);
      cancel_scope(L, state_index);
      return 0;
    }
    // After the first outcome: a cancellation is expected, an error is
    // this task's own and is reported as such.
    const ErrorKind kind = Runtime::from(L)->errors().kind_of(L, -1);
    if (kind == ErrorKind::cancelled || kind == ErrorKind::aborted) return 0;
    return lua_error(L);
  }
  const int nresults = lua_gettop(L);
  if (c.race) {
    if (c.failed || c.winner != 0) return 0;
    lua_createtable(L, nresults, 1);
    for (int k = 1; k <= nresults; ++k) {
      lua_pushvalue(L, k);
      lua_rawseti(L, -2, k);
    }
    lua_pushinteger(L, nresults);
    lua_setfield(L, -2, "n");
    set_data(L, state_index, kWinnerValues);
    c.winner = i;
    cancel_scope(L, state_index);
    return 0;
  }
  push_data(L, state_index, kResults);
  if (nresults > 0)
    lua_pushvalue(L, 1);
  else
    lua_pushnil(L);
  lua_rawseti(L, -2, i);  // within the array part made for n results
  lua_pop(L, 1);
  if (!c.failed && c.next <= c.n) start_child(L, state_index, c, c.next++);
  return 0;
}

// A task of the combinator: upvalue 1 the state, 2 the function's index.
int run_child(lua_State* L) {
  auto& c = *static_cast<Combinator*>(lua_touserdata(L, lua_upvalueindex(1)));
  if (c.failed || c.winner != 0) return 0;  // spawned, but it is over before it started
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
  lua_pushvalue(L, 1);
  set_data(L, state_index, kScope);
  while (c.next <= c.n && c.next <= c.limit) start_child(L, state_index, c, c.next++);
  return 0;
}

// The caller, once the scope has settled. Stack: (fns, opts, state).
int after_scope(lua_State* L, int, lua_KContext) {
  auto& c = *static_cast<Combinator*>(lua_touserdata(L, 3));
  if (c.failed) {
    push_data(L, 3, kError);
    return lua_error(L);
  }
  if (!c.race) {
    push_data(L, 3, kResults);
    return 1;
  }
  if (c.winner == 0) return luaL_error(L, "%s: no function returned", c.name);
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
  *c = Combinator{&rt, name, n, limit > 0 ? limit : n, 1, race, false, 0};
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
  lua_pushvalue(L, lua_upvalueindex(2));  // task.scope
  lua_pushvalue(L, 3);
  lua_pushcclosure(L, combinator_body, 1);
  lua_callk(L, 1, 0, 0, &after_scope);
  return after_scope(L, LUA_OK, 0);
}

int l_gather(lua_State* L) { return run_combinator(L, false); }
int l_race(lua_State* L) { return run_combinator(L, true); }

}  // namespace

void open_combinators(lua_State* L, Runtime& rt, int module_index) {
  lua_pushlightuserdata(L, &rt);
  lua_getfield(L, module_index, "scope");
  lua_pushcclosure(L, l_gather, 2);
  lua_setfield(L, module_index, "gather");
  lua_pushlightuserdata(L, &rt);
  lua_getfield(L, module_index, "scope");
  lua_pushcclosure(L, l_race, 2);
  lua_setfield(L, module_index, "race");
}

}  // namespace lua_batteries::detail
