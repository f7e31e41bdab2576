// lb.run(fn, ...) and lb.run(config, fn, ...): runs fn as the main chunk of
// a run on the state's loop and returns its values once it and every root
// task have finished, or raises why the run did not end ok (the asyncio.run
// / trio.run shape).
#include <utility>

#include "module_state.hpp"

namespace lua_batteries::module {
namespace {

/// [-0, +0, m] Continuation of capture_results: packs the function's
/// results (the whole stack) into a table with `n` and keeps it in the
/// store table (upvalue 1) at [1].
int capture_done(lua_State* L, int, lua_KContext) {
  const int n = lua_gettop(L);
  lua_createtable(L, n, 1);
  lua_insert(L, 1);
  for (int i = n; i >= 1; --i) lua_rawseti(L, 1, i);
  lua_pushinteger(L, n);
  lua_setfield(L, 1, "n");
  lua_rawseti(L, lua_upvalueindex(1), 1);
  return 0;
}

/// [-(n+1), +0, e] The main chunk: calls fn(...) (yieldable, so that fn
/// can suspend) and keeps its results for run to return.
int capture_results(lua_State* L) {
  lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, capture_done);
  return capture_done(L, LUA_OK, 0);
}

/// Runs the main chunk prepared on L's stack ([capture, fn, args...],
/// `nargs` values above capture) with Ctrl-C handled; the outcome goes
/// into the state. Holds C++ objects, hence raises nothing.
void run_main(lua_State* L, ModuleState& state, int nargs) {
  struct sigaction saved{};
  state.running = true;
  start_interrupts(state, saved);
  RunResult result = run_function(L, nargs);
  stop_interrupts(state, saved);
  state.running = false;
  state.status = result.status;
  state.message = std::move(result.message);
  if (state.interrupts > 0) state.status = RunResult::Status::interrupted;
}

/// Whether the value at `index` is a configuration table rather than a
/// callable table.
bool is_config(lua_State* L, int index) {
  if (lua_type(L, index) != LUA_TTABLE) return false;
  const bool callable = luaL_getmetafield(L, index, "__call") != LUA_TNIL;
  if (callable) lua_pop(L, 1);
  return !callable;
}

}  // namespace

int run(lua_State* L) {
  ModuleState& state = open_state(L);
  if (state.running)
    return luaL_error(L, "lua_batteries.run: a run is already in progress (run cannot be nested; spawn a task instead)");
  if (!state.loop_open) return luaL_error(L, "lua_batteries.run: the libuv loop could not be initialised");

  Config config;
  // Module mode: no preemption signal unless the config asks for it (the
  // interpreter, and its signal handling, are not ours).
  config.slice_ms = 0;
  config.watchdog = false;
  const bool has_config = is_config(L, 1);
  if (has_config) {
    read_config(L, 1, config);
    lua_remove(L, 1);
  }
  if (lua_type(L, 1) != LUA_TFUNCTION) {
    if (luaL_getmetafield(L, 1, "__call") == LUA_TNIL) return luaL_typeerror(L, has_config ? 2 : 1, "function");
    lua_pop(L, 1);
  }
  if (!state.installed) {
    install_runtime(L, state, config);
  } else if (has_config && !same_config(config, state.config)) {
    return luaL_error(L,
                      "lua_batteries.run: the runtime of this Lua state was created by its first run, whose "
                      "configuration stays; a later run cannot change it");
  }

  // [fn, args...] -> [store, capture, fn, args...]
  const int nargs = lua_gettop(L);  // fn and its arguments: capture's arguments
  luaL_checkstack(L, 3, "too many arguments to run");
  lua_createtable(L, 1, 0);
  lua_pushvalue(L, -1);
  lua_pushcclosure(L, capture_results, 1);
  lua_rotate(L, 1, 2);

  run_main(L, state, nargs);

  switch (state.status) {
    case RunResult::Status::ok:
      break;
    case RunResult::Status::interrupted:
      return luaL_error(L, "lua_batteries.run: interrupted");
    case RunResult::Status::error:
    case RunResult::Status::deadlock:
      lua_pushlstring(L, state.message.data(), state.message.size());
      state.message.clear();
      return lua_error(L);
  }
  // [store]: the results table at store[1]
  lua_rawgeti(L, 1, 1);
  if (lua_type(L, -1) != LUA_TTABLE) return 0;
  lua_getfield(L, -1, "n");
  const int n = static_cast<int>(lua_tointeger(L, -1));
  lua_pop(L, 1);
  luaL_checkstack(L, n, "too many results to return");
  for (int i = 1; i <= n; ++i) lua_rawgeti(L, 2, i);
  return n;
}

}  // namespace lua_batteries::module
