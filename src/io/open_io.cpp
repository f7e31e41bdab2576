#include "io/open_io.hpp"

#include <csignal>

#include "io/io_context.hpp"
#include "io/fs_module.hpp"
#include "io/io_error.hpp"
#include "io/net_module.hpp"
#include "io/process_module.hpp"
#include "io/stdio.hpp"
#include "io/stream.hpp"

namespace lua_batteries::io {
namespace {

void ignore_sigpipe() {
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, nullptr);
  }
}

// [-1, +0, e] Sets the table at the top as std.<name> and
// package.loaded["std.<name>"].
void publish(lua_State* L, const char* name) {
  const int module = lua_gettop(L);
  lua_getglobal(L, "std");
  lua_pushvalue(L, module);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
  if (lua_getglobal(L, "package") == LUA_TTABLE && lua_getfield(L, -1, "loaded") == LUA_TTABLE) {
    lua_pushfstring(L, "std.%s", name);
    lua_pushvalue(L, module);
    lua_settable(L, -3);
  }
  lua_settop(L, module - 1);
}

}  // namespace

void open_io(lua_State* L, uv_loop_t* loop, double grace_ms, const Policy& policy) {
  create_context(L, loop, grace_ms);
  init_io_errors(L);
  init_stream_type(L);

  if (policy.installs("process")) {
    init_run(L);
    init_process_type(L);
    lua_createtable(L, 0, 2);
    push_run_function(L);
    lua_setfield(L, -2, "run");
    push_spawn_function(L);
    lua_setfield(L, -2, "spawn");
    publish(L, "process");
  }

  if (policy.installs("net")) {
    init_listener_type(L);
    init_connect(L);
    lua_createtable(L, 0, 4);
    set_connect_functions(L);
    set_listen_functions(L);
    publish(L, "net");
  }

  if (policy.installs("fs")) {
    push_fs_module(L);
    publish(L, "fs");
  }

  if (policy.installs("io")) {
    init_fd_wait(L);
    push_io_module(L);
    publish(L, "io");
  }

  ignore_sigpipe();
}

}  // namespace lua_batteries::io
