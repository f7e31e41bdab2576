// std.task: spawn, sleep, yield, checkpoint, scope, with_timeout,
// cancel_token, current, is_cancelled.
#include <new>
#include <optional>
#include <string>

#include "core/duration.hpp"
#include "core/out_of_memory.hpp"
#include "lua/bindings.hpp"
#include "lua/coordination.hpp"
#include "runtime/dump.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

// Continuation of every plain wait (turn, sleep): the fiber is back; a
// cancellation that landed meanwhile wins over the wake-up.
int after_wait(lua_State* L, int, lua_KContext ctx) {
  Fiber& f = *reinterpret_cast<Fiber*>(ctx);
  // Continued by a hard abort, so that the __close handler it waited in
  // finishes (Runtime::close_threads): the wait did not happen.
  check_aborted(L, f);
  check_cancel(L, f);
  return 0;
}

// --- spawn --------------------------------------------------------------------

struct SpawnOptions {
  int name_index = 0;  // stack index of the name string, 0: none
  Driver driver;
};

// [-0, +0, v] Raises "<where>before<the string at index>after", the
// string whole (%s of luaL_error would stop at an embedded "\0").
[[noreturn]] void raise_quoting(lua_State* L, const char* before, int index, const char* after) {
  index = lua_absindex(L, index);
  luaL_checkstack(L, 4, nullptr);
  luaL_where(L, 1);
  lua_pushstring(L, before);
  lua_pushvalue(L, index);
  lua_pushstring(L, after);
  lua_concat(L, 4);
  lua_error(L);
  __builtin_unreachable();
}

// [-0, +0, v] opts.driver at `index`.
Driver check_driver(lua_State* L, int index) {
  if (lua_type(L, index) != LUA_TSTRING)
    luaL_error(L, "std.task: opts.driver: expected string, got %s", value_type_name(L, index));
  const std::optional<Driver> driver = parse_driver(string_key(L, index));
  if (!driver) raise_quoting(L, "std.task: unknown driver '", index, "' (expected 'async_fn' or 'coroutine')");
  return *driver;
}

// [-0, +1 (name, if any), v]
SpawnOptions parse_spawn_options(lua_State* L, Runtime& rt, int opts_index) {
  SpawnOptions opts{0, rt.config().default_driver};
  if (!opts_index) return opts;
  luaL_argexpected(L, lua_istable(L, opts_index), opts_index, "table");
  lua_pushnil(L);
  while (lua_next(L, opts_index)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "std.task: opts keys must be strings, got %s", value_type_name(L, -2));
    const std::string_view key = string_key(L, -2);
    if (key == "name") {
      if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "std.task: opts.name: expected string, got %s", value_type_name(L, -1));
    } else if (key == "driver") {
      opts.driver = check_driver(L, -1);
    } else {
      raise_quoting(L, "std.task: unknown opts key '", -2, "' (expected 'name' or 'driver')");
    }
    lua_pop(L, 1);
  }
  if (lua_getfield(L, opts_index, "name") == LUA_TSTRING) {
    opts.name_index = lua_gettop(L);
  } else {
    lua_pop(L, 1);
  }
  return opts;
}

// The runtime of std.task's functions: their upvalue 1 (push_task_module),
// for those that need it on every call (runtime_of reads the registry).
// debug.setupvalue may have replaced it: then the registry's.
Runtime& module_runtime(lua_State* L) {
  if (lua_type(L, lua_upvalueindex(1)) != LUA_TLIGHTUSERDATA) return runtime_of(L);
  return *static_cast<Runtime*>(lua_touserdata(L, lua_upvalueindex(1)));
}

int l_spawn(lua_State* L) {
  Runtime& rt = module_runtime(L);
  luaL_checktype(L, 1, LUA_TFUNCTION);
  Fiber* f = rt.running();
  Scope& scope = f ? *f->scope : rt.root_scope();
  return spawn_into(L, rt, scope, 1, lua_isnoneornil(L, 2) ? 0 : 2);
}

// --- plain suspension points ------------------------------------------------

int l_sleep(lua_State* L) {
  Runtime& rt = module_runtime(L);
  const double ms = check_duration_arg(L, 1, "std.task.sleep");
  Fiber& f = check_suspendable(L, rt, "std.task.sleep");
  check_cancel(L, f);
  return ms == 0 ? suspend_for_turn(L, f) : suspend_for_sleep(L, f, ms);
}

int l_yield(lua_State* L) { return suspend_for_turn(L, check_suspendable(L, module_runtime(L), "std.task.yield")); }

int l_checkpoint(lua_State* L) {
  Fiber& f = check_suspendable(L, module_runtime(L), "std.task.checkpoint");
  check_cancel(L, f);
  return suspend_for_turn(L, f);
}

// --- scopes -----------------------------------------------------------------

// The caller is back: its scope has settled. Deliver the scope's result.
int after_scope(lua_State* L, int, lua_KContext ctx) {
  Scope& s = *reinterpret_cast<Scope*>(ctx);
  Runtime& rt = s.rt;
  if (Fiber* f = rt.running()) check_aborted(L, *f);  // the abort released the scope
  lua_State* body = s.body.thread;
  if (s.deadline_hit) {
    rt.release_scope(s);
    push_timeout_error(L, s.timeout_ms);
    lua_getiuservalue(L, -2, 5);  // where the body was (deadline_site.cpp)
    set_timeout_where(L, -2);
    return lua_error(L);
  }
  if (s.first_failure != FirstFailure::none) {
    // Fail-fast: the first failed child's error, unchanged.
    if (s.first_failure == FirstFailure::out_of_memory) {
      rt.release_scope(s);
      raise_out_of_memory(L);
    }
    lua_getiuservalue(L, -1, 4);  // the scope object is on top of the caller's stack
    rt.release_scope(s);
    return lua_error(L);
  }
  if (s.body_outcome == Outcome::aborted) {
    rt.release_scope(s);
    rt.errors().raise(L, ErrorKind::aborted);
  }
  if (s.body_outcome != Outcome::returned) {
    lua_pushvalue(body, 1);
    lua_xmove(body, L, 1);
    rt.release_scope(s);
    return lua_error(L);
  }
  const int n = s.body_nresults;
  if (!lua_checkstack(L, n)) {
    rt.release_scope(s);
    return luaL_error(L, "std.task.scope: too many results");
  }
  lua_xmove(body, L, n);
  rt.recycle_thread(s.body);
  rt.release_scope(s);
  return n;
}

}  // namespace

// [-0, +2, v] (yields) Opens a scope around fn and suspends the caller
// until the body and every child are done.
int open_scope(lua_State* L, Runtime& rt, const ScopeRequest& req) {
  Fiber& f = check_suspendable(L, rt, req.what);
  lua_State* body = rt.push_fiber_thread(L);
  // The pin is taken before the Scope exists: nothing between construction
  // and the start of the body may raise, or the pinned scope would never
  // close.
  // User values: the body thread, the name, the token object, the first
  // failure of a fail-fast scope, where the body was when a deadline passed.
  void* memory = lua_newuserdatauv(L, sizeof(Scope), 5);
  ScopeSpec spec{req.kind, rt.pins().pin(L, -1), body, nullptr, 0, req.timeout_ms, req.grace_ms, req.detached, req.fail_fast, req.linked};
  if (req.name_index) spec.name = lua_tolstring(L, req.name_index, &spec.name_len);
  Scope* s = nullptr;
  if (!allocation_succeeded([&] { s = new (memory) Scope(rt, f, spec); })) {
    rt.pins().drop(spec.pin);
    raise_out_of_memory(L);
  }
  tag_scope(*s);
  lua_rawgeti(L, LUA_REGISTRYINDEX, req.name_index ? rt.metatables().scope : rt.metatables().unnamed_scope);
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -2);
  lua_setiuservalue(L, -2, 1);
  if (req.name_index) {
    lua_pushvalue(L, req.name_index);
    lua_setiuservalue(L, -2, 2);
  }
  lua_pushvalue(L, req.fn_index);
  lua_pushvalue(L, -2);
  lua_xmove(L, body, 2);
  if (!rt.start_scope(*s, f)) raise_out_of_memory(L);
  return rt.suspend(L, f, req.k ? req.k : &after_scope, reinterpret_cast<lua_KContext>(s));
}

int deliver_scope_result(lua_State* L, Scope& s) { return after_scope(L, LUA_YIELD, reinterpret_cast<lua_KContext>(&s)); }

namespace {

// [-0, +0, v] task.scope's options table at `index` into req.
void read_scope_options(lua_State* L, int index, ScopeRequest& req) {
  if (lua_isnoneornil(L, index)) return;
  luaL_argexpected(L, lua_istable(L, index), index, "table");
  lua_pushnil(L);
  while (lua_next(L, index)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "task.scope: opts keys must be strings, got %s", value_type_name(L, -2));
    const std::string_view key = lua_tostring(L, -2);
    if (key == "fail_fast") {
      if (!lua_isboolean(L, -1))
        luaL_error(L, "task.scope: opts.fail_fast must be a boolean, got %s", value_type_name(L, -1));
      req.fail_fast = lua_toboolean(L, -1);
    } else if (key == "token") {
      req.linked = token_of_object(L, -1);
      if (!req.linked) luaL_error(L, "task.scope: opts.token must be a CancelToken, got %s", value_type_name(L, -1));
    } else {
      luaL_error(L, "task.scope: unknown opts key '%s' (expected 'fail_fast' or 'token')", lua_tostring(L, -2));
    }
    lua_pop(L, 1);
  }
}

int l_scope(lua_State* L) {
  Runtime& rt = runtime_of(L);
  ScopeRequest req{ScopeKind::scope, "std.task.scope", 0, 1, 0, 0, false, nullptr};
  switch (lua_type(L, 1)) {
    case LUA_TNONE:
      return luaL_error(L, "task.scope requires at least a function");
    case LUA_TFUNCTION:
      break;
    case LUA_TSTRING:
      if (lua_isnone(L, 2)) return luaL_error(L, "task.scope(name, fn) requires a function");
      if (lua_type(L, 2) != LUA_TFUNCTION) return luaL_error(L, "task.scope: second argument must be a function");
      req.name_index = 1;
      req.fn_index = 2;
      break;
    default:
      return luaL_error(L, "task.scope: first argument must be a function or a name string");
  }
  // The token object stays on the stack (a user value of nothing else)
  // until open_scope has taken its reference.
  read_scope_options(L, req.fn_index + 1, req);
  return open_scope(L, rt, req);
}

}  // namespace

double read_grace_option(lua_State* L, Runtime& rt, int index, const char* fn) {
  double grace_ms = rt.config().grace_ms;
  if (lua_isnoneornil(L, index)) return grace_ms;
  luaL_argexpected(L, lua_istable(L, index), index, "table");
  lua_pushnil(L);
  while (lua_next(L, index)) {
    if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "%s: opts keys must be strings, got %s", fn, value_type_name(L, -2));
    if (string_key(L, -2) != "grace_ms") {
      lua_pushfstring(L, "%s: unknown opts key '", fn);
      raise_quoting(L, lua_tostring(L, -1), -3, "' (expected 'grace_ms')");
    }
    if (lua_type(L, -1) != LUA_TNUMBER)
      luaL_error(L, "%s: opts.grace_ms must be a number, got %s", fn, value_type_name(L, -1));
    grace_ms = lua_tonumber(L, -1);
    if (check_duration(grace_ms) != DurationCheck::ok) {
      lua_pushfstring(L, "%s: opts.grace_ms", fn);
      raise_duration_error(L, lua_tostring(L, -1), grace_ms);
    }
    lua_pop(L, 1);
  }
  return grace_ms;
}

namespace {

int l_with_timeout(lua_State* L) {
  Runtime& rt = runtime_of(L);
  const double ms = check_duration_arg(L, 1, "task.with_timeout");
  luaL_checktype(L, 2, LUA_TFUNCTION);
  const double grace_ms = read_grace_option(L, rt, 3, "task.with_timeout");
  return open_scope(L, rt, ScopeRequest{ScopeKind::with_timeout, "std.task.with_timeout", 0, 2, ms, grace_ms, false, nullptr});
}

// --- tokens and introspection -------------------------------------------------

int l_cancel_token(lua_State* L) {
  push_new_token_object(L, runtime_of(L));
  return 1;
}

int l_current(lua_State* L) {
  Runtime& rt = runtime_of(L);
  Fiber* f = rt.running();
  if (!f || !f->task) {
    lua_pushnil(L);
    return 1;
  }
  Task& t = *f->task;
  lua_createtable(L, 0, 4);
  lua_pushfstring(L, "t%I", static_cast<lua_Integer>(t.number));
  lua_setfield(L, -2, "id");
  if (t.name) {
    lua_pushlstring(L, t.name, t.name_len);
    lua_setfield(L, -2, "name");
  }
  lua_pushboolean(L, f->is_cancelled());
  lua_setfield(L, -2, "cancelled");
  lua_pushstring(L, driver_name(t.driver));
  lua_setfield(L, -2, "driver");
  return 1;
}

// std.task.dump([form]): "full" (default) or "brief".
int l_dump(lua_State* L) {
  static const char* const forms[] = {"full", "brief", nullptr};
  const int form = luaL_checkoption(L, 1, "full", forms);
  push_dump(L, runtime_of(L), form == 0 ? DumpForm::full : DumpForm::brief);
  return 1;
}

int l_is_cancelled(lua_State* L) {
  lua_pushboolean(L, runtime_of(L).errors().kind_of(L, 1) == ErrorKind::cancelled);
  return 1;
}

}  // namespace

// --- shared helpers ---------------------------------------------------------

const char* value_type_name(lua_State* L, int index) {
  if (lua_type(L, index) == LUA_TNUMBER) return lua_isinteger(L, index) ? "integer" : "number";
  return luaL_typename(L, index);
}

void raise_cannot_suspend(lua_State* L, const char* what) { luaL_error(L, "%s: cannot suspend here", what); __builtin_unreachable(); }

Fiber& check_suspendable(lua_State* L, Runtime& rt, const char* what) {
  if (rt.is_closed()) luaL_error(L, "std.task: runtime is shut down");
  Fiber* f = rt.suspendable_fiber(L);
  if (!f) raise_cannot_suspend(L, what);
  return *f;
}

void check_cancel(lua_State* L, Fiber& f) {
  if (f.is_cancelled()) f.rt.errors().raise(L, ErrorKind::cancelled);
}

void raise_interrupted(lua_State* L, Fiber& f) {
  f.rt.errors().raise(L, f.abort_requested ? ErrorKind::aborted : ErrorKind::cancelled);
  __builtin_unreachable();
}

void check_aborted(lua_State* L, Fiber& f) {
  if (f.abort_requested) f.rt.errors().raise(L, ErrorKind::aborted);
}

void raise_duration_error(lua_State* L, const char* context, double ms) {
  char text[160];
  const bool formatted = allocation_succeeded([&] {
    const std::string message = duration_error(context, ms, check_duration(ms));
    std::snprintf(text, sizeof text, "%s", message.c_str());
  });
  if (!formatted) raise_out_of_memory(L);
  luaL_error(L, "%s", text);
  __builtin_unreachable();
}

double check_duration_arg(lua_State* L, int index, const char* context) {
  const double ms = luaL_checknumber(L, index);
  if (check_duration(ms) != DurationCheck::ok) raise_duration_error(L, context, ms);
  return ms;
}

int suspend_for_turn(lua_State* L, Fiber& f) {
  f.rt.wait_turn(f);
  return f.rt.suspend(L, f, &after_wait, reinterpret_cast<lua_KContext>(&f));
}

int suspend_for_sleep(lua_State* L, Fiber& f, double ms) {
  Runtime& rt = f.rt;
  if (!allocation_succeeded([&] { rt.wait_sleep(f, saturating_add(rt.now_ns(), duration_ns(ms))); })) raise_out_of_memory(L);
  return rt.suspend(L, f, &after_wait, reinterpret_cast<lua_KContext>(&f));
}

int spawn_into(lua_State* L, Runtime& rt, Scope& scope, int fn_index, int opts_index) {
  const SpawnOptions opts = parse_spawn_options(L, rt, opts_index);
  if (rt.is_closed()) return luaL_error(L, "std.task: runtime is shut down");
  if (!scope.accepts_spawns()) return luaL_error(L, "std.task: scope is closed");
  if (const std::size_t limit = rt.config().max_tasks; limit != 0 && rt.live_tasks() >= limit)
    return luaL_error(L, "std.task: task limit reached (%I)", static_cast<lua_Integer>(limit));

  // A task gets its thread when it first runs (Runtime::start_thread), so
  // that a spawned task costs only its handle until then, and its thread
  // is made or reused just before it is used. Until then the handle's user
  // value 1 holds the function. A spawner with a debug hook hands it on,
  // as lua_newthread would: its tasks get their thread now.
  lua_State* thread = nullptr;
  if (lua_gethook(L)) {
    thread = rt.push_fiber_thread(L);
    lua_pushvalue(L, fn_index);
    lua_xmove(L, thread, 1);
  } else {
    rt.make_room_for_threads(L);
    lua_pushvalue(L, fn_index);
  }
  // The pin is taken before the Task exists: nothing from there to the end
  // may raise, or the pinned handle would hold a task that never runs.
  void* memory = lua_newuserdatauv(L, sizeof(Task), opts.name_index ? 2 : 1);  // the name only if there is one
  inherit_vars(L, rt, memory);  // may raise: the Task does not exist yet
  TaskSpec spec{opts.driver, thread, rt.pins().pin(L, -1), nullptr, 0};
  if (opts.name_index) spec.name = lua_tolstring(L, opts.name_index, &spec.name_len);
  rt.spawn(memory, scope, spec);
  lua_rawgeti(L, LUA_REGISTRYINDEX, rt.metatables().handle);
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -2);
  lua_setiuservalue(L, -2, 1);
  if (opts.name_index) {
    lua_pushvalue(L, opts.name_index);
    lua_setiuservalue(L, -2, 2);
  }
  return 1;
}

void push_task_module(lua_State* L, Runtime& rt) {
  const luaL_Reg functions[] = {{"spawn", l_spawn},
                                {"sleep", l_sleep},
                                {"yield", l_yield},
                                {"checkpoint", l_checkpoint},
                                {"scope", l_scope},
                                {"with_timeout", l_with_timeout},
                                {"cancel_token", l_cancel_token},
                                {"current", l_current},
                                {"is_cancelled", l_is_cancelled},
                                {"dump", l_dump},
                                {nullptr, nullptr}};
  lua_createtable(L, 0, 10);
  lua_pushlightuserdata(L, &rt);
  luaL_setfuncs(L, functions, 1);
}

}  // namespace lua_batteries::detail
