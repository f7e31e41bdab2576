-- luarocks make rockspecs/lua-batteries-scm-1.rockspec   (from the source tree)
-- Builds with CMake and installs the Lua module `lua_batteries` (and the
-- lua-batteries runner); see docs/packaging.md.
rockspec_format = "3.0"
package = "lua-batteries"
version = "scm-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "Structured concurrency for Lua 5.4 on a libuv event loop",
  detailed = [[
std.task (spawn, join, cancel, scopes, deadlines) and std.time for the
stock Lua 5.4 interpreter: local lb = require "lua_batteries";
lb.run(function() ... end) runs a function and every task it spawns on a
libuv loop, and returns its values.
]],
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
-- libcurl too: CMake finds it with pkg-config (Debian keeps curl/curl.h
-- under a multiarch directory LuaRocks' header check does not search).
external_dependencies = {
  LIBUV = { header = "uv.h" },
  SQLITE = { header = "sqlite3.h" },
  RAPIDJSON = { header = "rapidjson/document.h" },
}
build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_INSTALL_PREFIX = "$(PREFIX)",
    LB_LUAROCKS = "ON",
    LB_LUA_CMOD_DIR = "$(LIBDIR)",
    LB_TESTS = "OFF",
    LB_BENCH = "OFF",
  },
}
