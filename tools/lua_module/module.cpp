// require "lua_batteries": std.task and the other std modules for the
// stock `lua5.4` interpreter.
//
//   local lb = require "lua_batteries"
//   lb.run(function() ... end)            -- or lb.run(config, fn, ...)
//
// require starts nothing and changes no global: the first lb.run creates
// the loop and the runtime, installs `std` (std.task, std.time, ...) as
// the runner does, and from then on lb.task, lb.time, ... are those
// modules. The module links no Lua library: the interpreter provides the
// Lua API (Debian's lua5.4 exports it from the executable).
#include "lua_batteries/version.hpp"
#include "module_state.hpp"

namespace lua_batteries::module {
namespace {

/// [-2, +1, e] __index of the module table: lb.<name> is std.<name> once
/// the first run has installed the runtime.
int module_index(lua_State* L) {
  ModuleState* state = find_state(L);
  if (state == nullptr || !state->installed) {
    if (lua_type(L, 2) == LUA_TSTRING) {
      const char* name = lua_tostring(L, 2);
      if (name[0] != '_') {
        return luaL_error(L,
                          "lua_batteries.%s is available once lua_batteries.run has started the runtime "
                          "(use it inside the function given to run)",
                          name);
      }
    }
    return 0;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, state->std_ref);
  if (lua_type(L, -1) != LUA_TTABLE) return 0;
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

}  // namespace
}  // namespace lua_batteries::module

/// [-0, +1, m] The module table: run, version, and the std modules through
/// __index.
extern "C" __attribute__((visibility("default"))) int luaopen_lua_batteries(lua_State* L) {
  using namespace lua_batteries::module;
  lua_createtable(L, 0, 3);
  lua_pushcfunction(L, run);
  lua_setfield(L, -2, "run");
  lua_pushstring(L, lua_batteries::kVersion);
  lua_setfield(L, -2, "version");
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, module_index);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  return 1;
}
