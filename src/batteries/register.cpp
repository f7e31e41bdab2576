// register_with: the runtime and its bindings (src/host/), then the
// modules that are bridges on the public host API (src/io/, src/data/,
// src/http/). It is the one place that knows every module, so it sits
// above all of them.
#include <stdexcept>
#include <string>
#include <string_view>

#include "data/modules.hpp"
#include "host/install.hpp"
#include "io/open_io.hpp"
#include "io/policy_gate.hpp"
#include "lua_batteries/task.hpp"

namespace lua_batteries {
namespace {

struct Bridges {
  uv_loop_t* loop;
  double grace_ms;
  const Policy* policy;
};

// The modules Policy::modules may name.
constexpr std::string_view kModules[] = {"process", "net", "fs", "io", "json", "sql", "kv", "http"};

// Throws std::invalid_argument on a module name nobody installs.
void check_module_names(const Policy& policy) {
  if (!policy.modules) return;
  for (const std::string& name : *policy.modules) {
    bool known = false;
    for (std::string_view m : kModules) known = known || m == name;
    if (!known) throw std::invalid_argument("lua_batteries: unknown module '" + name + "' in Config::policy.modules");
  }
}

// [-1, +0, e] Opens the bridge modules, run in protected mode.
int open_bridges(lua_State* L) {
  const auto& bridges = *static_cast<const Bridges*>(lua_touserdata(L, 1));
  lua_pop(L, 1);
  io::set_policy(L, *bridges.policy);
  io::open_io(L, bridges.loop, bridges.grace_ms, *bridges.policy);
  data::open_data_modules(L, bridges.loop, *bridges.policy);  // std.json, std.sql, std.kv, std.http
  return 0;
}

}  // namespace

void register_task(lua_State* L, uv_loop_t* loop) { register_with(L, loop, Config{}); }

void register_with(lua_State* L, uv_loop_t* loop, const Config& config) {
  check_module_names(config.policy);
  detail::install_runtime(L, loop, config);
  Bridges bridges{loop, config.grace_ms, &config.policy};
  lua_pushcfunction(L, open_bridges);
  lua_pushlightuserdata(L, &bridges);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    std::string message = lua_tostring(L, -1) ? lua_tostring(L, -1) : "lua_batteries: installing the modules failed";
    lua_pop(L, 1);
    throw std::runtime_error(message);
  }
}

}  // namespace lua_batteries
