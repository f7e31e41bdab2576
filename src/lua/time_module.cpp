// lua-batteries: std.time (see time_module.hpp for the API surface).
//
// Every function here is a lua_CFunction that keeps no C++ object with a
// destructor alive, so Lua errors and yields may longjmp through it.
#include "lua/time_module.hpp"

#include <uv.h>

#include <cstdint>

#include "runtime/clock.hpp"

namespace lua_batteries::detail {
namespace {

// measure() carries its start time through a yield in the lua_KContext.
static_assert(sizeof(lua_KContext) >= sizeof(std::uint64_t),
              "lua_KContext must hold a uv_hrtime() value");

/// The registry key under which open_time_module files the clock it was
/// given (light userdata). The functions look it up there rather than in
/// an upvalue, which debug.setupvalue could replace with any value.
const char kClockKey = 0;

/// [-0, +0, -] The clock std.time reads: a runtime's Clock, or null (the
/// real clocks).
const Clock* clock_of(lua_State* L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kClockKey);
  const auto* clock = static_cast<const Clock*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return clock;
}

/// Nanoseconds on libuv's monotonic clock, or on the virtual clock.
std::uint64_t monotonic_ns(lua_State* L) {
  const Clock* clock = clock_of(L);
  return clock ? clock->now_ns() : uv_hrtime();
}

/// Unix time in microseconds (wall clock, or where the virtual clock is).
bool wall_clock_us(lua_State* L, std::int64_t& us) {
  const Clock* clock = clock_of(L);
  return clock ? clock->wall_clock_us(us) : read_wall_clock_us(us);
}

/// [-0, +1, v] now(): seconds since the Unix epoch, as a float. Raises
/// if the system clock cannot be read.
int time_now(lua_State* L) {
  std::int64_t us = 0;
  if (!wall_clock_us(L, us)) return luaL_error(L, "std.time.now: clock unavailable");
  lua_pushnumber(L, static_cast<lua_Number>(us / 1'000'000) + static_cast<lua_Number>(us % 1'000'000) / 1e6);
  return 1;
}

/// [-0, +1, v] millis(): milliseconds since the Unix epoch, as an
/// integer. Raises if the system clock cannot be read.
int time_millis(lua_State* L) {
  std::int64_t us = 0;
  if (!wall_clock_us(L, us)) return luaL_error(L, "std.time.millis: clock unavailable");
  lua_pushinteger(L, static_cast<lua_Integer>(us / 1000));
  return 1;
}

/// [-0, +1, -] monotonic(): seconds on a monotonic clock (arbitrary origin).
int time_monotonic(lua_State* L) {
  lua_pushnumber(L, static_cast<lua_Number>(monotonic_ns(L)) / 1e9);
  return 1;
}

/// [-0, +1, m] Continuation of measure(): fn's results fill the stack;
/// prepends the elapsed seconds since the start time held in `ctx`. Runs
/// directly after a call that did not yield, or on resume after one that
/// did; `status` does not matter (errors never reach here).
int measure_finish(lua_State* L, int /*status*/, lua_KContext ctx) {
  const auto start = static_cast<std::uint64_t>(ctx);
  luaL_checkstack(L, 2, "too many results to measure");  // one for clock_of
  const std::uint64_t elapsed_ns = monotonic_ns(L) - start;
  lua_pushnumber(L, static_cast<lua_Number>(elapsed_ns) / 1e9);
  lua_insert(L, 1);
  return lua_gettop(L);
}

/// [-n, +(1+r), e] measure(fn, ...): calls fn(...) and returns the elapsed
/// seconds followed by its results. fn may yield: the call is a lua_callk
/// whose continuation measure_finish finishes the job after a resume.
int time_measure(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  const int nargs = lua_gettop(L) - 1;
  const auto ctx = static_cast<lua_KContext>(monotonic_ns(L));
  lua_callk(L, nargs, LUA_MULTRET, ctx, measure_finish);
  return measure_finish(L, LUA_OK, ctx);
}

constexpr luaL_Reg kTimeFunctions[] = {
    {"now", time_now},
    {"millis", time_millis},
    {"monotonic", time_monotonic},
    {"measure", time_measure},
    {nullptr, nullptr},
};

}  // namespace

int open_time_module(lua_State* L, const Clock* clock) {
  luaL_newlibtable(L, kTimeFunctions);
  if (clock) {
    lua_pushlightuserdata(L, const_cast<Clock*>(clock));
    lua_rawsetp(L, LUA_REGISTRYINDEX, &kClockKey);
  }
  luaL_setfuncs(L, kTimeFunctions, 0);
  return 1;
}

}  // namespace lua_batteries::detail
