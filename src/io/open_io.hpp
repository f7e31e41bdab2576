// Installation of the I/O modules (spec std-io.md): std.process, std.io,
// std.net and std.fs, built on the public host API only.
#pragma once

#include <lua.hpp>
#include <uv.h>

#include "lua_batteries/policy.hpp"

namespace lua_batteries::io {

/// [-0, +0, e] Installs the modules `policy` names (Policy::installs)
/// into the global `std` table (which must exist) and package.loaded.
/// `grace_ms` is the default kill grace of
/// processes. Ignores SIGPIPE if its disposition is the default, so that a
/// peer that went away makes a write fail with EPIPE rather than end the
/// process.
void open_io(lua_State* L, uv_loop_t* loop, double grace_ms, const Policy& policy);

}  // namespace lua_batteries::io
