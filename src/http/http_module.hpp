// lua-batteries: std.http, the Lua side (http_module.cpp).
#pragma once

#include <lua.hpp>

namespace lua_batteries::http {

/// [-0, +1, m] Pushes the std.http table.
int push_http_module(lua_State* L);

}  // namespace lua_batteries::http
