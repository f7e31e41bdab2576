// The module state: creation at the first run, registration of std.task,
// teardown at lua_close, and the warnings printed during runs.
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "module_state.hpp"

namespace lua_batteries::module {
namespace {

// The registry key of the state's userdata: this variable's address.
const char kStateKey = 0;

/// Writes "lua_batteries: warning: <text>\n" to stderr in one call.
void warn(std::string_view text) {
  std::string line = "lua_batteries: warning: ";
  line.append(text);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string label(const TaskEvent& task) {
  std::string text = "t";
  text += std::to_string(task.number);
  if (task.has_name) {
    text += " (";
    text.append(task.name);
    text += ')';
  }
  return text;
}

/// [-0, +0, -] __gc of the state. The runtime's own __gc ran first and
/// closed its handles; their close callbacks run here, then the loop closes.
int state_gc(lua_State* L) {
  auto* state = static_cast<ModuleState*>(lua_touserdata(L, 1));
  if (state->sigint_open) uv_close(reinterpret_cast<uv_handle_t*>(&state->sigint), nullptr);
  if (state->loop_open) {
    uv_run(&state->loop, UV_RUN_NOWAIT);
    // A std.fs request cut by lua_close has returned, but libuv hands its
    // threadpool request back on a loop turn.
    while (state->loop.active_reqs.count > 0) uv_run(&state->loop, UV_RUN_ONCE);
    if (uv_loop_close(&state->loop) != 0) warn("libuv handles still open when the Lua state closed");
  }
  state->~ModuleState();
  return 0;
}

}  // namespace

void WarningPrinter::unobserved_error(const TaskEvent& task, std::string_view error_text,
                                      std::string_view traceback) {
  std::string text = "task " + label(task) + " failed and was never joined: ";
  text.append(error_text);
  if (!traceback.empty()) {
    text += '\n';
    text.append(traceback);
  }
  warn(text);
}

void WarningPrinter::grace_expired(const ScopeEvent*, std::size_t hard_aborted) {
  warn("grace window expired: " + std::to_string(hard_aborted) + " task(s) hard-aborted");
}

void WarningPrinter::close_error(const TaskEvent* task, std::string_view error_text) {
  std::string text = "__close handler failed during abort";
  if (task != nullptr) text += " of task " + label(*task);
  text += ": ";
  text.append(error_text);
  warn(text);
}

ModuleState* find_state(lua_State* L) {
  ModuleState* state = nullptr;
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &kStateKey) == LUA_TUSERDATA)
    state = static_cast<ModuleState*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return state;
}

ModuleState& open_state(lua_State* L) {
  if (ModuleState* state = find_state(L)) return *state;
  // Everything that can raise comes before the object exists or after its
  // __gc is set, so that a constructed state is always finalized.
  void* memory = lua_newuserdatauv(L, sizeof(ModuleState), 0);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, state_gc);
  lua_setfield(L, -2, "__gc");
  auto* state = new (memory) ModuleState;  // noexcept: no member allocates yet
  lua_setmetatable(L, -2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kStateKey);
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  state->L = lua_tothread(L, -1);
  lua_pop(L, 1);
  if (uv_loop_init(&state->loop) != 0) luaL_error(L, "lua_batteries.run: cannot initialise the libuv loop");
  state->loop_open = true;
  if (uv_signal_init(&state->loop, &state->sigint) != 0)
    luaL_error(L, "lua_batteries.run: cannot create the SIGINT handle");
  state->sigint_open = true;
  state->sigint.data = state;
  return *state;
}

namespace {

/// Registers the runtime; returns false with the reason in `error`. No
/// Lua error escapes while a C++ exception is in flight.
bool try_register(lua_State* L, uv_loop_t* loop, const Config& config, char (&error)[256]) {
  try {
    register_with(L, loop, config);
    return true;
  } catch (const std::exception& e) {
    std::snprintf(error, sizeof error, "%s", e.what());
  } catch (...) {
    std::snprintf(error, sizeof error, "std.task: installation failed");
  }
  return false;
}

}  // namespace

void install_runtime(lua_State* L, ModuleState& state, const Config& config) {
  state.config = config;
  state.config.observer = &state.observer;
  char error[256];
  if (!try_register(L, &state.loop, state.config, error)) luaL_error(L, "lua_batteries.run: %s", error);
  state.installed = true;
  lua_getglobal(L, "std");
  state.std_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

}  // namespace lua_batteries::module
