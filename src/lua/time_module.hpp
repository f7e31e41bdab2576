// lua-batteries: the std.time companion module (Lua-facing).
//
// API surface (same names as the reference's std.time):
//   std.time.now()            epoch seconds, float, microsecond precision
//   std.time.millis()         epoch milliseconds, integer
//   std.time.monotonic()      seconds on a monotonic clock, float
//   std.time.measure(fn, ...) calls fn(...); returns the elapsed seconds
//                             (float, monotonic) followed by all of fn's
//                             results. fn may suspend (the measurement then
//                             includes the time spent suspended); its errors
//                             propagate unchanged.
//
// The module holds no state and needs no runtime: it works on any
// lua_State, with or without std.task installed. Given the clock of a
// runtime on virtual time (Config::virtual_time) it reads that clock:
// monotonic and measure see the virtual clock's jumps, and now/millis
// report the wall time at the runtime's creation plus the virtual time
// elapsed since.
#pragma once

#include <lua.hpp>

namespace lua_batteries::detail {

class Clock;

/// [-0, +1, m] Pushes a new table holding the std.time functions, reading
/// `clock` (a runtime's, which must outlive the table's use; null: the
/// real clocks). The clock is filed in the registry, where the functions
/// find it: one per Lua state.
int open_time_module(lua_State* L, const Clock* clock = nullptr);

}  // namespace lua_batteries::detail
