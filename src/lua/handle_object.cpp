// Handle: what spawn returns. The Task lives inside the userdata; user
// value 1 is the task's function until it first runs, then its thread
// (until that is reused), or the one value it returned
// (Runtime::hold_result); 2 its name (only a named task's handle has a
// second user value).
#include "lua/bindings.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

constexpr const char* kHandleMetatable = "std.task.Handle";

Task& check_handle(lua_State* L, int index) { return *static_cast<Task*>(check_object(L, index, kHandleMetatable)); }

// [-0, +(n|0), v] Hands the finished task's outcome to the joiner; the
// handle is at index 1.
int deliver(lua_State* L, Task& t) {
  Runtime& rt = t.rt;
  rt.mark_joined(t);
  switch (t.outcome) {
    case Outcome::returned: {
      if (t.result_held) {
        lua_getiuservalue(L, 1, 1);
        return 1;
      }
      if (!lua_checkstack(L, t.nresults)) return luaL_error(L, "std.task.join: too many results");
      const int n = t.take_results();
      if (n > 0) lua_xmove(t.thread, L, n);  // with none, the thread may be reused already
      return n;
    }
    case Outcome::aborted:
      rt.errors().raise(L, ErrorKind::aborted);
    case Outcome::failed:
    case Outcome::cancelled:
      if (t.thread)
        lua_xmove(t.thread, L, 1);
      else
        lua_pushstring(L, Task::kErrorWithoutThread);
      t.take_results();
      return lua_error(L);
  }
  return 0;
}

int after_join(lua_State* L, int, lua_KContext ctx) {
  Fiber& f = *reinterpret_cast<Fiber*>(ctx);
  Task& t = check_handle(L, 1);
  f.rt.end_join(f, t);
  check_aborted(L, f);
  check_cancel(L, f);  // a cancel in the same turn wins; the handle stays joinable
  return deliver(L, t);
}

int handle_join(lua_State* L) {
  Task& t = check_handle(L, 1);
  Runtime& rt = t.rt;
  Fiber* running = rt.running();
  if (running && running->task == &t) return luaL_error(L, "std.task: a task cannot join itself");
  if (t.joined || t.joiner) rt.errors().raise(L, ErrorKind::joined);
  if (t.state == FiberState::done) {
    if (running) check_cancel(L, *running);
    return deliver(L, t);
  }
  Fiber& f = check_suspendable(L, rt, "std.task.join");
  check_cancel(L, f);
  rt.wait_join(f, t);
  return rt.suspend(L, f, &after_join, reinterpret_cast<lua_KContext>(&f));
}

int handle_abort(lua_State* L) {
  Task& t = check_handle(L, 1);
  if (!t.rt.is_closed()) t.rt.hard_abort(t);
  return 0;
}

int handle_is_finished(lua_State* L) {
  lua_pushboolean(L, check_handle(L, 1).state == FiberState::done);
  return 1;
}

int handle_elapsed(lua_State* L) {
  const Task& t = check_handle(L, 1);
  const std::uint64_t end = t.state == FiberState::done ? t.finished_ns : t.rt.now_ns();
  lua_pushnumber(L, static_cast<double>(end - t.spawned_ns) / 1e6);
  return 1;
}

int handle_index(lua_State* L) {
  // A method, the common case, needs no check of the object: the method
  // checks its own self when called.
  // (The methods table is an upvalue: debug.setupvalue may have replaced it.)
  lua_pushvalue(L, 2);
  if (lua_istable(L, lua_upvalueindex(1)) && lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  const Task& t = check_handle(L, 1);
  const std::string_view key = string_key(L, 2);
  if (key == "id") {
    lua_pushfstring(L, "t%I", static_cast<lua_Integer>(t.number));
  } else if (key == "name") {
    lua_getiuservalue(L, 1, 2);
  }
  return 1;
}

int handle_tostring(lua_State* L) {
  const Task& t = check_handle(L, 1);
  lua_pushfstring(L, "task t%I", static_cast<lua_Integer>(t.number));
  if (t.name) {  // whole, with any embedded "\0" (%s would stop there)
    lua_pushliteral(L, " (");
    lua_pushlstring(L, t.name, t.name_len);
    lua_pushliteral(L, ")");
    lua_concat(L, 4);
  }
  return 1;
}

}  // namespace

int init_handle_metatable(lua_State* L, Runtime& rt) {
  static const luaL_Reg methods[] = {{"join", handle_join},
                                     {"abort", handle_abort},
                                     {"is_finished", handle_is_finished},
                                     {"elapsed", handle_elapsed},
                                     {nullptr, nullptr}};
  return register_object_type(
      L, ObjectType{kHandleMetatable, "Handle", methods, handle_index, handle_tostring, kReleasedObjectGc<Task>});
}

}  // namespace lua_batteries::detail
