// Failures of root tasks that nobody joins (spec section 5: reported as
// unobserved). A task of a nested scope is reported when its scope closes,
// which bounds what it keeps. The root scope closes only with the run, so
// a long-running server would keep every failure (its error, its thread,
// its traceback) until then. Instead, once a root task has failed without
// a joiner, the runtime stops pinning its handle and watches it: a small
// sentinel with a finalizer sits in a weak-keyed (ephemeron) table under
// the handle, so the sentinel becomes garbage exactly when the handle
// does. Its finalizer runs with the handle still intact (the sentinel
// refers to it, so the collector keeps both until the finalizer has run),
// reports the failure and leaves nothing behind. A handle the script still
// holds when the run ends is reported then, as before.
//
// Config::report_failures_at_once reports such a failure as soon as the
// task fails, and lets go of it at once (a later join still gets the
// error, which the handle keeps).
#include <string_view>

#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

// The sentinel's memory: the task it watches (inside the handle that is
// the sentinel's user value).
struct Sentinel {
  Task* task;
};

// [-0, +0, -] __gc of a sentinel: the handle it watches has become garbage.
int sentinel_gc(lua_State* L) {
  auto* sentinel = static_cast<Sentinel*>(lua_touserdata(L, 1));
  Runtime* rt = Runtime::from(L);
  if (!sentinel || !sentinel->task || !rt) return 0;
  Task& t = *sentinel->task;
  sentinel->task = nullptr;
  rt->report_collected_failure(L, t);
  return 0;
}

// [-4, +0, m] Protected: the handle at 1, the task (light userdata) at 2,
// the ephemeron table at 3, the sentinels' metatable at 4; files a new
// sentinel under the handle.
int watch_protected(lua_State* L) {
  auto* sentinel = static_cast<Sentinel*>(lua_newuserdatauv(L, sizeof(Sentinel), 1));
  sentinel->task = nullptr;  // until the table holds it: a sentinel collected early reports nothing
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, 1);
  lua_pushvalue(L, 4);
  lua_setmetatable(L, -2);  // has __gc: the sentinel will be finalized
  lua_pushvalue(L, 1);
  lua_pushvalue(L, -2);
  lua_rawset(L, 3);  // may raise as the table grows
  sentinel->task = static_cast<Task*>(lua_touserdata(L, 2));
  return 0;
}

}  // namespace

void Runtime::create_unobserved_table(lua_State* L) {
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, sentinel_gc);
  lua_setfield(L, -2, "__gc");
  sentinel_metatable_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_newtable(L);
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  unobserved_table_ = luaL_ref(L, LUA_REGISTRYINDEX);
}

void Runtime::watch_unobserved(Task& t) {
  if (config_.report_failures_at_once) {
    t.scope_hook.unlink();
    report_unobserved(service_, t);
    unpin(t);
    return;
  }
  // Runs where nothing may raise: the sentinel is made in protected mode,
  // and without memory for it the handle simply stays pinned until the
  // run ends (reported then).
  lua_State* S = service_;
  if (!lua_checkstack(S, 6)) return;
  lua_pushcfunction(S, watch_protected);
  pins_.push_table(S);
  lua_rawgeti(S, -1, t.pin);
  lua_remove(S, -2);
  lua_pushlightuserdata(S, &t);
  lua_rawgeti(S, LUA_REGISTRYINDEX, unobserved_table_);
  lua_rawgeti(S, LUA_REGISTRYINDEX, sentinel_metatable_);
  if (lua_pcall(S, 4, 0, 0) != LUA_OK) {
    lua_pop(S, 1);
    return;
  }
  unpin(t);
}

void Runtime::report_collected_failure(lua_State* L, Task& t) {
  // Joined (or reported at the end of a run) meanwhile: nothing to say.
  if (!t.scope_hook.is_linked()) return;
  t.scope_hook.unlink();
  // A finalizer runs on whichever thread the collector was working for:
  // the conversion to text runs there, not on the service thread, which
  // may be in the middle of a call of its own.
  report_unobserved(L, t);
}

void Runtime::report_unobserved(lua_State* L, Task& t) {
  if (!observer()) return;
  std::string_view traceback;
  if (t.has_traceback) {
    size_t len = 0;
    const char* text = lua_tolstring(t.thread, 1, &len);  // a string: no conversion, no allocation
    traceback = std::string_view(text, len);
  }
  observer()->unobserved_error(t.event(), describe_on(L, t), traceback);
}

}  // namespace lua_batteries::detail
