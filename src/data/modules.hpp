// lua-batteries: the data and network modules of spec std-io.md 5 and 6
// (std.json, std.sql, std.kv, std.http), installed beside std.task.
//
// They are built on the public host API (lua_batteries/task.hpp's await,
// lua_batteries/resource.hpp's own) as a host's own bridge would be.
#pragma once

#include <lua.hpp>
#include <uv.h>

#include "lua_batteries/policy.hpp"

namespace lua_batteries::data {

/// [-0, +0, e] Sets std.json, std.sql, std.kv and std.http in the global
/// `std` table (which must exist) and in package.loaded ("std.json", ...),
/// with their state on `loop`, those of them `policy` installs
/// (Policy::installs). Called once, when std.task is installed.
void open_data_modules(lua_State* L, uv_loop_t* loop, const Policy& policy);

/// [-0, +1, m] Each pushes its module table.
int push_json_module(lua_State* L);
int push_sql_module(lua_State* L);
int push_kv_module(lua_State* L);

}  // namespace lua_batteries::data
