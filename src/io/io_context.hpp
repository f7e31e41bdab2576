// What every I/O module of one Lua state shares: the loop and the runtime's
// settings the modules default to. Lives in a userdata in the registry.
#pragma once

#include <lua.hpp>
#include <uv.h>

namespace lua_batteries::io {

class GroupReaper;

struct IoContext {
  uv_loop_t* loop;
  /// Default kill_grace_ms of processes: the runtime's Config::grace_ms.
  double grace_ms;
  /// Made with the first child process; the runtime owns it.
  GroupReaper* reaper;
};

/// [-0, +0, -] The state's group reaper, made on first use; null when out
/// of memory (children's leftovers then go to whoever adopts them).
GroupReaper* group_reaper(lua_State* L, IoContext& ctx);

/// [-0, +0, e] Creates the context of L's state.
IoContext& create_context(lua_State* L, uv_loop_t* loop, double grace_ms);
/// [-0, +0, v] The context; raises if the I/O modules are not installed.
IoContext& context(lua_State* L);

/// [-0, +0, v] Argument checks shared by the modules: a non-negative
/// integer / number of milliseconds in table field `key` of the options at
/// `opts`, or `fallback` when absent.
lua_Integer opt_field_integer(lua_State* L, int opts, const char* key, lua_Integer fallback, const char* fname);
double opt_field_ms(lua_State* L, int opts, const char* key, double fallback, const char* fname);
/// [-0, +0, v] A boolean field, or `fallback` when absent.
bool opt_field_boolean(lua_State* L, int opts, const char* key, bool fallback, const char* fname);

}  // namespace lua_batteries::io
