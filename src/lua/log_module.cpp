// std.log: debug/info/warn/error(fmt, ...) and is_enabled(level), named as
// the reference's std.log. The reference forwards to the host's log facade
// with target "lua"; here a record goes to the host's observer
// (Observer::log) with the context of the code that logged: the time since
// the runtime started, the task (also inside its scope bodies and
// coroutines) and the innermost scope. Levels below Config::log_level cost
// one comparison: the message is not even formatted.
//
//   std.log.info("fetched %d rows from %s", n, host)
//   std.log.info("request", { method = "GET", code = 200 })   -- "request code=200 method=GET"
//   std.log.is_enabled("debug")  --> boolean
#include <string_view>

#include "lua/bindings.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

// [-0, +1, m] One value of a data table as the reference writes it.
void push_data_value(lua_State* L, int index) {
  switch (lua_type(L, index)) {
    case LUA_TNIL:
    case LUA_TBOOLEAN:
    case LUA_TNUMBER:
    case LUA_TSTRING: luaL_tolstring(L, index, nullptr); return;  // no metamethods for these types
    default: lua_pushfstring(L, "<%s>", luaL_typename(L, index)); return;
  }
}

// [-0, +1, e] The message: args 1..n through string.format (upvalue 2)
// when there is more than the format, then " key=value" for each string
// key of a trailing data table, keys in sorted order so that a record
// reads the same every run.
void push_message(lua_State* L) {
  int n = lua_gettop(L);
  int data = 0;
  if (n >= 2 && lua_istable(L, n)) data = n--;
  luaL_checkstring(L, 1);
  if (n >= 2 && lua_isfunction(L, lua_upvalueindex(2))) {
    lua_pushvalue(L, lua_upvalueindex(2));
    for (int i = 1; i <= n; ++i) lua_pushvalue(L, i);
    lua_call(L, n, 1);
  } else {
    lua_pushvalue(L, 1);
  }
  if (!data) return;
  const int message = lua_gettop(L);
  // The keys, sorted by insertion into an array (data tables are small).
  lua_newtable(L);
  const int keys = lua_gettop(L);
  lua_Integer count = 0;
  lua_pushnil(L);
  while (lua_next(L, data)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) continue;
    lua_Integer at = ++count;
    for (; at > 1; --at) {
      lua_rawgeti(L, keys, at - 1);
      const bool later = lua_compare(L, -1, -2, LUA_OPLT) == 0;
      if (!later) {
        lua_pop(L, 1);
        break;
      }
      lua_rawseti(L, keys, at);  // shift the greater key up
    }
    lua_pushvalue(L, -1);
    lua_rawseti(L, keys, at);
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  lua_pushvalue(L, message);
  luaL_addvalue(&b);
  for (lua_Integer i = 1; i <= count; ++i) {
    luaL_addchar(&b, ' ');
    lua_rawgeti(L, keys, i);
    luaL_addvalue(&b);
    luaL_addchar(&b, '=');
    lua_rawgeti(L, keys, i);
    lua_rawget(L, data);
    push_data_value(L, -1);
    lua_remove(L, -2);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  lua_replace(L, message);
  lua_settop(L, message);
}

// [-0, +0, e]
int log_at(lua_State* L, LogLevel level) {
  Runtime& rt = runtime_of(L);
  Observer* observer = rt.observer();
  if (level < rt.config().log_level || !observer) return 0;
  push_message(L);
  size_t len = 0;
  const char* text = lua_tolstring(L, -1, &len);
  // Trivially destructible: nothing here outlives a raise.
  LogRecord record;
  record.level = level;
  record.message = std::string_view(text, len);
  record.time_ms = static_cast<double>(rt.now_ns() - rt.clock().start_ns()) / 1e6;
  TaskEvent task;
  ScopeEvent scope;
  if (const Fiber* f = rt.running()) {
    if (f->task) {
      task = f->task->event();
      record.task = &task;
    }
    scope = f->scope->event();
    record.scope = &scope;
  }
  observer->log(record);
  return 0;
}

int l_trace(lua_State* L) { return log_at(L, LogLevel::trace); }
int l_debug(lua_State* L) { return log_at(L, LogLevel::debug); }
int l_info(lua_State* L) { return log_at(L, LogLevel::info); }
int l_warn(lua_State* L) { return log_at(L, LogLevel::warn); }
int l_error(lua_State* L) { return log_at(L, LogLevel::error); }

int l_is_enabled(lua_State* L) {
  const char* name = luaL_checkstring(L, 1);
  const std::optional<LogLevel> level = parse_log_level(name);
  if (!level || *level == LogLevel::off)
    return luaL_error(L, "log: unknown level \"%s\", expected debug|info|warn|error|trace", name);
  Runtime& rt = runtime_of(L);
  lua_pushboolean(L, rt.observer() && *level >= rt.config().log_level);
  return 1;
}

}  // namespace

void push_log_module(lua_State* L, Runtime& rt) {
  const luaL_Reg functions[] = {{"trace", l_trace}, {"debug", l_debug}, {"info", l_info},
                                {"warn", l_warn},   {"error", l_error}, {"is_enabled", l_is_enabled},
                                {nullptr, nullptr}};
  lua_createtable(L, 0, 6);
  lua_pushlightuserdata(L, &rt);
  // string.format as installed now (nil without the string library): a
  // script replacing it later does not change how records are formatted.
  if (lua_getglobal(L, "string") == LUA_TTABLE) {
    lua_getfield(L, -1, "format");
    lua_remove(L, -2);
  }
  luaL_setfuncs(L, functions, 2);
}

}  // namespace lua_batteries::detail
