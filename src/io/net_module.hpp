// std.net (spec std-io.md section 3): listeners (net_listener.cpp) and
// connections (net_connect.cpp), TCP and Unix-domain.
#pragma once

#include <lua.hpp>

namespace lua_batteries::io {

/// [-0, +0, e] Creates the Listener metatable (with serve) and the connect
/// op's; once per state.
void init_listener_type(lua_State* L);
void init_connect(lua_State* L);
/// [-0, +0, e] Sets listen, listen_unix / connect, connect_unix in the
/// table at the top of the stack.
void set_listen_functions(lua_State* L);
void set_connect_functions(lua_State* L);

}  // namespace lua_batteries::io
