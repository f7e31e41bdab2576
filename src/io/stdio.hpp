// std.io (spec std-io.md section 1): the process's standard descriptors as
// Streams (Files when they are regular files), and waiting for a
// descriptor of another library to become ready.
#pragma once

#include <lua.hpp>

namespace lua_batteries::io {

/// [-0, +1, e] Pushes the std.io table: stdin, stdout and stderr made on
/// first use, wait_readable, wait_writable.
void push_io_module(lua_State* L);
/// [-0, +0, e] Creates what wait_readable/wait_writable need; once per state.
void init_fd_wait(lua_State* L);
/// [-0, +0, -] Sets wait_readable and wait_writable in the table at the top.
void set_fd_wait_functions(lua_State* L);

}  // namespace lua_batteries::io
