// lb.run's configuration table:
//   { grace_ms = N, driver = "async_fn" | "coroutine", slice_ms = N,
//     max_tasks = N, virtual_time = bool, watchdog = bool, preempt_signal = N }
// The same settings as the runner's options. Preemption (the watchdog or
// time slicing) is off unless the table asks for it: the interpreter is
// not ours, and preemption installs a signal handler for the runtime's
// lifetime.
#include <cmath>
#include <cstring>

#include "lua_batteries/limits.hpp"
#include "module_state.hpp"

namespace lua_batteries::module {
namespace {

// Longest slice: beyond that a slice never runs out in practice.
constexpr double kMaxSliceMs = 1e9;

/// [-0, +0, v] The number at the top of the stack, which the field `name`
/// holds; raises unless it lies in [0, max].
double read_ms(lua_State* L, const char* name, double max, const char* range) {
  int is_number = 0;
  const double ms = lua_tonumberx(L, -1, &is_number);
  if (!is_number || lua_type(L, -1) != LUA_TNUMBER || !std::isfinite(ms) || ms < 0 || ms > max)
    luaL_error(L, "lua_batteries.run: config.%s must be a number of ms from 0 to %s", name, range);
  return ms;
}

/// [-0, +0, v] Applies the field whose value is at the top of the stack.
void read_field(lua_State* L, const char* name, Config& config) {
  if (std::strcmp(name, "grace_ms") == 0) {
    config.grace_ms = read_ms(L, name, kMaxDurationMs, "1.845e13");
  } else if (std::strcmp(name, "slice_ms") == 0) {
    config.slice_ms = read_ms(L, name, kMaxSliceMs, "1e9");
  } else if (std::strcmp(name, "driver") == 0) {
    std::size_t len = 0;
    const char* text = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : "";
    const std::optional<Driver> driver = parse_driver(std::string_view(text, len));
    if (!driver) luaL_error(L, "lua_batteries.run: config.driver must be 'async_fn' or 'coroutine'");
    config.default_driver = *driver;
  } else if (std::strcmp(name, "max_tasks") == 0) {
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0)
      luaL_error(L, "lua_batteries.run: config.max_tasks must be a whole number (0 for no limit)");
    config.max_tasks = static_cast<std::size_t>(lua_tointeger(L, -1));
  } else if (std::strcmp(name, "virtual_time") == 0) {
    if (!lua_isboolean(L, -1)) luaL_error(L, "lua_batteries.run: config.virtual_time must be a boolean");
    config.virtual_time = lua_toboolean(L, -1) != 0;
  } else if (std::strcmp(name, "watchdog") == 0) {
    if (!lua_isboolean(L, -1)) luaL_error(L, "lua_batteries.run: config.watchdog must be a boolean");
    config.watchdog = lua_toboolean(L, -1) != 0;
  } else if (std::strcmp(name, "preempt_signal") == 0) {
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > SIGRTMAX)
      luaL_error(L, "lua_batteries.run: config.preempt_signal must be 0 or a real-time signal number");
    config.preempt_signal = static_cast<int>(lua_tointeger(L, -1));
  } else {
    luaL_error(L, "lua_batteries.run: unknown config field '%s'", name);
  }
}

}  // namespace

void read_config(lua_State* L, int index, Config& config) {
  index = lua_absindex(L, index);
  luaL_checkstack(L, 3, nullptr);
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "lua_batteries.run: config keys must be field names");
    read_field(L, lua_tostring(L, -2), config);
    lua_pop(L, 1);
  }
}

bool same_config(const Config& a, const Config& b) {
  return a.default_driver == b.default_driver && a.grace_ms == b.grace_ms && a.slice_ms == b.slice_ms &&
         a.preempt_signal == b.preempt_signal && a.max_tasks == b.max_tasks && a.virtual_time == b.virtual_time &&
         a.watchdog == b.watchdog;
}

}  // namespace lua_batteries::module
