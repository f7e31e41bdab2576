// Installing the runtime and its Lua bindings into a state: the first half
// of register_with (src/batteries/register.cpp), which then opens the
// bridge modules built on the public API.
#pragma once

#include <lua.hpp>
#include <uv.h>

#include "lua_batteries/task.hpp"

namespace lua_batteries::detail {

/// Creates the runtime inside L's state and opens std.task, std.time and
/// the coroutine replacements. Throws std::runtime_error if the runtime is
/// already installed or Lua runs out of memory.
void install_runtime(lua_State* L, uv_loop_t* loop, const Config& config);

}  // namespace lua_batteries::detail
