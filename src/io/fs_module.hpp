// std.fs (spec std-io.md section 4).
#pragma once

#include <lua.hpp>

namespace lua_batteries::io {

/// [-0, +1, e] Creates the File and job types and pushes the std.fs table.
void push_fs_module(lua_State* L);

}  // namespace lua_batteries::io
