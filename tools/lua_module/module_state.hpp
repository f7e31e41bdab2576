// The state of `require "lua_batteries"` in one Lua state: the libuv loop
// and the runtime that the first lb.run creates, kept until lua_close.
//
// One runtime per Lua state, created by the first run and reused by the
// later ones: task handles, scopes and tokens that a run leaves behind
// (in globals, upvalues) keep pointing at a live runtime, and std.task
// stays installed, as in the runner, where every -e chunk and the script
// share one runtime.
#pragma once

#include <lua.hpp>
#include <uv.h>

#include <signal.h>

#include <string>

#include "lua_batteries/observer.hpp"
#include "lua_batteries/task.hpp"

namespace lua_batteries::module {

/// Prints the events a user must not miss (unjoined task failures, grace
/// expiries, __close failures during aborts) to stderr as warnings, as the
/// runner does. The main chunk's error is not printed: lb.run raises it.
class WarningPrinter final : public Observer {
 public:
  bool wants_lifecycle_events() const override { return false; }
  void unobserved_error(const TaskEvent& task, std::string_view error_text,
                        std::string_view traceback) override;
  void grace_expired(const ScopeEvent* scope, std::size_t hard_aborted) override;
  void close_error(const TaskEvent* task, std::string_view error_text) override;
};

/// Lives in a full userdata in the registry, created by the first lb.run.
/// Its __gc runs after the runtime's (it was given its metatable first, and
/// Lua finalizes in the reverse order), so the loop and the observer
/// outlive the runtime, as the host API requires.
struct ModuleState {
  uv_loop_t loop{};
  /// SIGINT during a run (started by run, stopped when it returns).
  uv_signal_t sigint{};
  WarningPrinter observer;
  /// The configuration the runtime was created with (by the first run).
  Config config;
  lua_State* L = nullptr;  ///< the main thread, for the SIGINT callback
  bool loop_open = false;
  bool sigint_open = false;
  bool installed = false;  ///< std.task is registered in L
  bool running = false;    ///< an lb.run is in progress
  int interrupts = 0;      ///< SIGINTs during the current run
  int std_ref = LUA_NOREF;  ///< the `std` table registration created
  /// How the last run ended, kept here rather than in a local so that
  /// raising it afterwards leaves no C++ object behind.
  RunResult::Status status = RunResult::Status::ok;
  std::string message;
};

/// [-0, +0, -] The module state of L's Lua state, or null before the
/// first run.
ModuleState* find_state(lua_State* L);
/// [-0, +0, e] The module state, created (loop included) if absent.
ModuleState& open_state(lua_State* L);

/// [-0, +0, e] Registers std.task (and the other std modules) with `config`
/// on the state's loop; raises registration's error.
void install_runtime(lua_State* L, ModuleState& state, const Config& config);

/// [-0, +0, v] Reads the config table at `index` of lb.run into `config`;
/// raises "lua_batteries.run: ..." for an unknown field or a bad value.
void read_config(lua_State* L, int index, Config& config);
/// Whether a later run's configuration matches the runtime's.
bool same_config(const Config& a, const Config& b);

/// Ctrl-C during a run: libuv's SIGINT handler replaces the interpreter's
/// for the run's duration; the first Ctrl-C shuts the run down (cancel,
/// grace, hard abort), a second one hard-aborts at once.
void start_interrupts(ModuleState& state, struct sigaction& saved);
/// Puts the interpreter's SIGINT disposition back.
void stop_interrupts(ModuleState& state, const struct sigaction& saved);

/// [-(n+1), +r, e] lb.run(fn, ...) / lb.run(config, fn, ...).
int run(lua_State* L);

}  // namespace lua_batteries::module
