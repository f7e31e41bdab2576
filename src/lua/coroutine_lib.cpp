// The coroutine library, made to carry task suspension through the
// script's own coroutines (spec "Drivers").
//
// std.task.sleep inside a coroutine.wrap generator yields from the
// generator's thread with Fiber::suspend_pending set. The resume that is
// waiting for that thread sees the flag, records the thread as parked and
// yields its own thread in turn, until the scheduler holds the fiber. When
// the fiber is resumed, each resume continues the thread it parked, so the
// sleep returns inside the generator as if nothing had happened. Parked
// threads (and fiber threads the script got) are guarded: it cannot resume them
// from elsewhere. Everything else behaves as Lua's own functions do.
#include "core/duration.hpp"
#include "core/out_of_memory.hpp"
#include "lua/bindings.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

lua_State* check_coroutine(lua_State* L) {
  lua_State* co = lua_tothread(L, 1);
  luaL_argexpected(L, co, 1, "coroutine");
  return co;
}

constexpr int kFailed = -1;      // error value on top of L
constexpr int kPassedOn = -2;    // co is parked inside a task suspension

// A thread the runtime drives (a fiber's, or one parked inside a task's
// suspension) that has no frames and no pending yield has finished: its
// stack holds an outcome for the runtime. Anything else guarded is busy.
bool is_finished_fiber_thread(lua_State* co) {
  lua_Debug ar;
  return lua_status(co) != LUA_YIELD && !lua_getstack(co, 0, &ar);
}

// [-narg, +(n|1), m] Resumes co (at co_index of L) with narg values from L
// (continuing: co was parked and gets none) and reports what it did.
int resume_step(lua_State* L, Runtime& rt, lua_State* co, int co_index, int narg, bool continuing) {
  Fiber* f = rt.running();
  if (!continuing) {
    if (rt.guards().is_guarded(L, co, co_index)) {
      lua_pop(L, narg);
      if (is_finished_fiber_thread(co))
        lua_pushliteral(L, "cannot resume dead coroutine");
      else
        lua_pushliteral(L, "cannot resume non-suspended coroutine");
      return kFailed;
    }
    if (!lua_checkstack(co, narg)) {
      lua_pop(L, narg);
      lua_pushliteral(L, "too many arguments to resume");
      return kFailed;
    }
    if (f) {
      const bool through = L == f->innermost() && (f->nested.empty() || f->nested.back().through) &&
                           lua_isyieldable(L);
      // Room to park co now, so that parking it if a task suspension
      // passes through cannot fail after the fact (an unguarded parked
      // coroutine could be resumed from elsewhere).
      if (!allocation_succeeded([&] {
            rt.guards().reserve_park();
            f->nested.push_back(NestedCoroutine{co, through});
          })) {
        lua_pop(L, narg);
        lua_pushliteral(L, "not enough memory");
        return kFailed;
      }
    }
    lua_xmove(L, co, narg);
  }
  int nresults = 0;
  lua_State* outer = rt.preemptor().switch_to(co);
  const int status = lua_resume(co, L, continuing ? 0 : narg, &nresults);
  rt.preemptor().switch_back(outer);
  if (status == LUA_YIELD && f && f->suspend_pending) {
    lua_pop(co, nresults);
    rt.guards().park(co);  // room was reserved above (or by the resume that parked it before)
    return kPassedOn;
  }
  if (f && !f->nested.empty() && f->nested.back().thread == co) f->nested.pop_back();
  if (status == LUA_OK || status == LUA_YIELD) {
    if (!lua_checkstack(L, nresults + 1)) {
      lua_pop(co, nresults);
      lua_pushliteral(L, "too many results to resume");
      return kFailed;
    }
    lua_xmove(co, L, nresults);
    return nresults;
  }
  lua_xmove(co, L, 1);
  return kFailed;
}

// --- coroutine.resume ---------------------------------------------------------

int finish_resume(lua_State* L, int r);

int resume_continue(lua_State* L, int, lua_KContext) {
  Runtime& rt = runtime_of(L);
  lua_State* co = lua_tothread(L, 1);
  rt.guards().unpark(co);
  return finish_resume(L, resume_step(L, rt, co, 0, 0, true));
}

int finish_resume(lua_State* L, int r) {
  if (r == kPassedOn) return lua_yieldk(L, 0, 0, resume_continue);
  if (r == kFailed) {
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, -(r + 1));
  return r + 1;
}

int coroutine_resume(lua_State* L) {
  lua_State* co = check_coroutine(L);
  return finish_resume(L, resume_step(L, runtime_of(L), co, 1, lua_gettop(L) - 1, false));
}

// --- coroutine.wrap -----------------------------------------------------------

// [-0, +0, v] The coroutine of a wrap function (its upvalue), checked:
// debug.setupvalue can replace it.
lua_State* wrapped_thread(lua_State* L) {
  lua_State* co = lua_tothread(L, lua_upvalueindex(1));
  if (!co)
    luaL_error(L, "coroutine.wrap: the function's coroutine was replaced by a %s", luaL_typename(L, lua_upvalueindex(1)));
  return co;
}

int finish_wrap(lua_State* L, Runtime& rt, lua_State* co, int r);

int wrap_continue(lua_State* L, int, lua_KContext) {
  Runtime& rt = runtime_of(L);
  lua_State* co = wrapped_thread(L);
  rt.guards().unpark(co);
  return finish_wrap(L, rt, co, resume_step(L, rt, co, 0, 0, true));
}

int finish_wrap(lua_State* L, Runtime& rt, lua_State* co, int r) {
  if (r == kPassedOn) return lua_yieldk(L, 0, 0, wrap_continue);
  if (r != kFailed) return r;
  // As Lua's auxwrap: close the dead coroutine, add position information
  // to a string error, propagate.
  int status = lua_status(co);
  if (status != LUA_OK && status != LUA_YIELD) {
    status = rt.reset_coroutine(co);
    lua_xmove(co, L, 1);
  }
  if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}

int wrap_call(lua_State* L) {
  Runtime& rt = runtime_of(L);
  lua_State* co = wrapped_thread(L);
  return finish_wrap(L, rt, co, resume_step(L, rt, co, lua_upvalueindex(1), lua_gettop(L), false));
}

int coroutine_wrap(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_State* co = lua_newthread(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, co, 1);
  lua_pushcclosure(L, wrap_call, 1);
  return 1;
}

// --- coroutine.yield ----------------------------------------------------------

// coroutine.yield at the level of a fiber (not inside the script's own
// coroutine) talks to the scheduler: the coroutine driver's cooperative
// yield and sleep; an error for async_fn tasks and the main chunk.
int coroutine_yield(lua_State* L) {
  Runtime& rt = runtime_of(L);
  Fiber* f = rt.running();
  if (!f || L != f->thread || !f->nested.empty() || rt.guards().is_closing(L)) return lua_yield(L, lua_gettop(L));
  if (!f->task) return luaL_error(L, "attempt to yield from outside a coroutine");
  if (f->driver == Driver::async_fn)
    return luaL_error(L, "std.task: coroutine.yield outside a coroutine in an async_fn task");
  if (!lua_isyieldable(L)) return luaL_error(L, "attempt to yield across a C-call boundary");
  switch (lua_type(L, 1)) {
    case LUA_TNONE:
    case LUA_TNIL:
      return suspend_for_turn(L, *f);
    case LUA_TNUMBER: {
      const double ms = lua_tonumber(L, 1);
      if (check_duration(ms) != DurationCheck::ok) raise_duration_error(L, "coroutine yield", ms);
      check_cancel(L, *f);
      return ms == 0 ? suspend_for_turn(L, *f) : suspend_for_sleep(L, *f, ms);
    }
    default:
      return luaL_error(L, "coroutine yield: unsupported value type '%s' (expected nil or number)",
                        value_type_name(L, 1));
  }
}

// --- coroutine.status / close / isyieldable -----------------------------------

// `guarded`: rt.guards().is_guarded(co), which callers need too.
const char* status_of(lua_State* L, lua_State* co, bool guarded) {
  if (L == co) return "running";
  if (guarded) return is_finished_fiber_thread(co) ? "dead" : "normal";  // the scheduler's
  switch (lua_status(co)) {
    case LUA_YIELD:
      return "suspended";
    case LUA_OK: {
      lua_Debug ar;
      if (lua_getstack(co, 0, &ar)) return "normal";
      return lua_gettop(co) == 0 ? "dead" : "suspended";
    }
    default:
      return "dead";
  }
}

int coroutine_status(lua_State* L) {
  Runtime& rt = runtime_of(L);
  lua_State* co = check_coroutine(L);
  lua_pushstring(L, status_of(L, co, rt.guards().is_guarded(L, co, 1)));
  return 1;
}

int coroutine_close(lua_State* L) {
  Runtime& rt = runtime_of(L);
  lua_State* co = check_coroutine(L);
  const bool guarded = rt.guards().is_guarded(L, co, 1);
  const std::string_view status = status_of(L, co, guarded);
  if (status != "dead" && status != "suspended") return luaL_error(L, "cannot close a %s coroutine", status.data());
  if (guarded) {  // a finished fiber: its outcome is the runtime's
    lua_pushboolean(L, 1);
    return 1;
  }
  if (rt.reset_coroutine(co) == LUA_OK) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushboolean(L, 0);
  lua_xmove(co, L, 1);
  return 2;
}

int coroutine_isyieldable(lua_State* L) {
  Runtime& rt = runtime_of(L);
  lua_State* co = lua_isnone(L, 1) ? L : check_coroutine(L);
  Fiber* f = rt.running();
  if (f && co == f->thread) {
    // At fiber level only the coroutine driver gives coroutine.yield a meaning.
    lua_pushboolean(L, f->task && f->driver == Driver::coroutine && lua_isyieldable(co));
  } else {
    lua_pushboolean(L, lua_isyieldable(co));
  }
  return 1;
}

// The main chunk runs on a coroutine of the runtime, but to the script it
// is the main thread, as under `lua`.
int coroutine_running(lua_State* L) {
  Runtime& rt = runtime_of(L);
  Fiber* f = rt.running();
  if (f && L == f->thread) rt.guards().expose(L, *f);
  const bool is_main_thread = lua_pushthread(L) == 1;
  lua_pushboolean(L, is_main_thread || (f && f->kind == FiberKind::main && L == f->thread));
  return 2;
}

}  // namespace

void install_coroutine_library(lua_State* L, Runtime& rt) {
  if (lua_getglobal(L, "coroutine") != LUA_TTABLE) {
    lua_pop(L, 1);
    return;  // the host did not open the coroutine library
  }
  const luaL_Reg functions[] = {{"resume", coroutine_resume}, {"wrap", coroutine_wrap},   {"yield", coroutine_yield},
                                {"status", coroutine_status}, {"close", coroutine_close}, {"isyieldable", coroutine_isyieldable},
                                {"running", coroutine_running},
                                {nullptr, nullptr}};
  luaL_setfuncs(L, functions, 0);
  lua_pop(L, 1);
}

}  // namespace lua_batteries::detail
