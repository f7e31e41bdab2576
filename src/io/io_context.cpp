#include "io/io_context.hpp"

#include <new>

#include "io/group_reaper.hpp"

namespace lua_batteries::io {
namespace {
const char kContextKey = 0;  // its address is the registry key
}

IoContext& create_context(lua_State* L, uv_loop_t* loop, double grace_ms) {
  auto* ctx = static_cast<IoContext*>(lua_newuserdatauv(L, sizeof(IoContext), 0));
  ctx->loop = loop;
  ctx->grace_ms = grace_ms;
  ctx->reaper = nullptr;
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kContextKey);
  return *ctx;
}

IoContext& context(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kContextKey);
  auto* ctx = static_cast<IoContext*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  if (!ctx) luaL_error(L, "std.io: the I/O modules are not installed");
  return *ctx;
}

GroupReaper* group_reaper(lua_State* L, IoContext& ctx) {
  if (ctx.reaper) return ctx.reaper;
  auto* reaper = new (std::nothrow) GroupReaper(ctx.loop);
  if (!reaper) return nullptr;
  if (!own(L, reaper->owned)) {
    reaper->close();
    return nullptr;
  }
  reaper->slot = &ctx.reaper;
  ctx.reaper = reaper;
  return reaper;
}

lua_Integer opt_field_integer(lua_State* L, int opts, const char* key, lua_Integer fallback, const char* fname) {
  if (lua_isnoneornil(L, opts)) return fallback;
  lua_getfield(L, opts, key);
  lua_Integer value = fallback;
  if (!lua_isnil(L, -1)) {
    int is_integer = 0;
    value = lua_tointegerx(L, -1, &is_integer);
    if (!is_integer || value < 0)
      luaL_error(L, "%s: opts.%s must be a non-negative integer", fname, key);
  }
  lua_pop(L, 1);
  return value;
}

double opt_field_ms(lua_State* L, int opts, const char* key, double fallback, const char* fname) {
  if (lua_isnoneornil(L, opts)) return fallback;
  lua_getfield(L, opts, key);
  double value = fallback;
  if (!lua_isnil(L, -1)) {
    int is_number = 0;
    value = lua_tonumberx(L, -1, &is_number);
    if (!is_number || !(value >= 0) || value > 1e12)
      luaL_error(L, "%s: opts.%s must be a number of milliseconds >= 0", fname, key);
  }
  lua_pop(L, 1);
  return value;
}

bool opt_field_boolean(lua_State* L, int opts, const char* key, bool fallback, const char* fname) {
  if (lua_isnoneornil(L, opts)) return fallback;
  lua_getfield(L, opts, key);
  bool value = fallback;
  if (!lua_isnil(L, -1)) {
    if (!lua_isboolean(L, -1)) luaL_error(L, "%s: opts.%s must be a boolean", fname, key);
    value = lua_toboolean(L, -1);
  }
  lua_pop(L, 1);
  return value;
}

}  // namespace lua_batteries::io
