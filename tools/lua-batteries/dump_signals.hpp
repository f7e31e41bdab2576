// lua-batteries: the task dump on demand. SIGQUIT (Ctrl-\, the JVM's
// thread-dump key) and SIGUSR1 print lua_batteries::dump() to stderr, and
// the program goes on running.
#pragma once

#include <lua.hpp>
#include <uv.h>

#include <optional>
#include <string>

namespace lua_batteries::runner {

class DumpSignals {
 public:
  DumpSignals() = default;
  DumpSignals(const DumpSignals&) = delete;
  DumpSignals& operator=(const DumpSignals&) = delete;

  /// Watches both signals on `loop` for L (unreferenced: waiting for a
  /// signal never keeps a finished run alive). Returns why it failed.
  std::optional<std::string> start(uv_loop_t* loop, lua_State* L);
  /// Stops watching and closes the handles (their memory is this object's:
  /// run the loop once before it goes). Call before L is closed.
  void close();

 private:
  static void on_signal(uv_signal_t* handle, int signum);

  uv_signal_t quit_{};
  uv_signal_t usr1_{};
  int open_ = 0;  // how many of the two handles are initialised
  lua_State* L_ = nullptr;
};

}  // namespace lua_batteries::runner
