// std.process (spec std-io.md section 2): run (process_run.cpp) and spawn
// with its Process object (process_object.cpp).
#pragma once

#include <lua.hpp>

namespace lua_batteries::io {

/// [-0, +0, e] Creates the metatables; once per state.
void init_run(lua_State* L);
void init_process_type(lua_State* L);
/// [-0, +1, m] The module's functions.
void push_run_function(lua_State* L);
void push_spawn_function(lua_State* L);

}  // namespace lua_batteries::io
