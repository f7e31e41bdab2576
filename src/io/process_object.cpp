// std.process.spawn and the Process object (spec std-io.md section 2).
//
// A Process's pipes are Streams of their own (its user values 1-3). Its
// core outlives it until the child is reaped: a collected Process is
// terminated in the background (SIGTERM, SIGKILL after the grace).
#include <csignal>
#include <cstring>
#include <new>

#include "io/io_context.hpp"
#include "io/io_error.hpp"
#include "io/process_core.hpp"
#include "io/process_module.hpp"
#include "io/stream.hpp"

namespace lua_batteries::io {
namespace {

constexpr const char* kProcessMetatable = "std.process.Process";
constexpr const char* kFname = "std.process.spawn";

struct ProcessObject {
  explicit ProcessObject(uv_loop_t* loop);
  ProcessCore core;
  SpawnSpec spec;
  ScopedResource scoped;  // ended (terminated and reaped) with its scope
  bool closing_wait = false;  // the waiter is close(), not wait()
};

ProcessObject& object_of(ProcessCore& core) { return *static_cast<ProcessObject*>(core.owner); }

// A close() cancelled while it waited for the exit raises `task
// cancelled` once the process is reaped.
void on_finished(ProcessCore& core) {
  object_of(core).scoped.finish();  // reaped: its scope need not wait for it
  if (core.awaiter.cancel_requested()) {
    core.awaiter.complete_interrupted();
  } else {
    core.awaiter.complete();
  }
}

// The scope it was started in ends: terminate as on cancellation (at once
// on a hard abort); the scope waits until it is reaped (on_finished).
void on_scope_end(ScopedResource& r, bool hard) {
  auto& p = *static_cast<ProcessObject*>(r.user_data());
  if (p.core.finished) {
    r.finish();
    return;
  }
  if (hard)
    p.core.kill_now();
  else
    p.core.terminate(p.spec.kill_grace_ms);
}
void on_destroy(ProcessCore& core) { delete &object_of(core); }
void on_shutdown(ProcessCore&) {}  // its Streams are closed by their own owners

// wait() leaves the process running when cancelled; close() keeps waiting
// (deferred mode) and kills at once on a hard abort.
void on_interrupt(Awaiter& a, Interruption why) {
  ProcessCore& core = *static_cast<ProcessCore*>(a.user_data());
  if (why == Interruption::aborted && object_of(core).closing_wait) core.kill_now();
}

ProcessObject::ProcessObject(uv_loop_t* loop)
    : core(loop, ProcessCore::Hooks{&on_finished, &on_destroy, &on_shutdown}, this, &on_interrupt),
      scoped(&on_scope_end, this) {}

ProcessObject** slot_of(lua_State* L, int index) {
  return static_cast<ProcessObject**>(luaL_checkudata(L, index, kProcessMetatable));
}

ProcessObject& check_process(lua_State* L, int index) {
  ProcessObject* p = *slot_of(L, index);
  if (!p) luaL_error(L, "std.process: the process object is gone");
  return *p;
}

// [-0, +0, e] Closes the Streams of the Process at `index`.
void close_pipes(lua_State* L, int index) {
  for (int i = 1; i <= 3; ++i) {
    if (lua_getiuservalue(L, index, i) == LUA_TUSERDATA) {
      lua_getfield(L, -1, "close");
      lua_pushvalue(L, -2);
      lua_call(L, 1, 0);
    }
    lua_pop(L, 1);
  }
}

// [-0, +2, m] code, signal of a finished process.
int push_status(lua_State* L, const ProcessCore& core) {
  if (core.term_signal == 0) {
    lua_pushinteger(L, static_cast<lua_Integer>(core.exit_status));
    lua_pushnil(L);
  } else {
    lua_pushnil(L);
    lua_pushstring(L, signal_name(core.term_signal));
  }
  return 2;
}

int k_wait(lua_State* L, int, lua_KContext) { return push_status(L, check_process(L, 1).core); }

int process_wait(lua_State* L) {
  ProcessObject& p = check_process(L, 1);
  lua_settop(L, 1);
  if (p.core.finished) return push_status(L, p.core);
  if (p.core.awaiter.is_waiting()) return luaL_error(L, "std.process: another task is waiting for this process");
  p.closing_wait = false;
  p.core.awaiter.reset();
  p.core.awaiter.set_cancel_mode(CancelMode::immediate);
  return await(L, p.core.awaiter, "process:wait", &k_wait, 0);
}

int k_close(lua_State* L, int, lua_KContext) {
  close_pipes(L, 1);
  return 0;
}

int process_close(lua_State* L) {
  ProcessObject* p = *slot_of(L, 1);
  lua_settop(L, 1);
  if (!p || p->core.finished) {
    close_pipes(L, 1);
    return 0;
  }
  if (p->core.awaiter.is_waiting()) return luaL_error(L, "std.process: another task is waiting for this process");
  if (!can_suspend(L)) {
    // A __close run by a hard abort, a finalizer: no grace, reaped in the
    // background.
    p->core.kill_now();
    close_pipes(L, 1);
    return 0;
  }
  p->core.terminate(p->spec.kill_grace_ms);
  if (p->core.finished) return k_close(L, LUA_OK, 0);
  p->closing_wait = true;
  p->core.awaiter.reset();
  p->core.awaiter.set_cancel_mode(CancelMode::deferred);
  return await(L, p->core.awaiter, "process:close", &k_close, 0);
}

int process_kill(lua_State* L) {
  ProcessObject& p = check_process(L, 1);
  int sig = SIGTERM;
  if (lua_type(L, 2) == LUA_TNUMBER) {
    sig = static_cast<int>(luaL_checkinteger(L, 2));
    luaL_argcheck(L, sig > 0 && sig < NSIG, 2, "not a signal number");
  } else if (!lua_isnoneornil(L, 2)) {
    sig = signal_number(luaL_checkstring(L, 2));
    luaL_argcheck(L, sig != 0, 2, "not a signal name");
  }
  if (p.core.finished) {
    lua_pushboolean(L, 0);
    return 1;
  }
  const int r = p.core.signal_group(sig);
  if (r < 0 && r != UV_ESRCH) raise_uv_error(L, "process:kill", "cannot signal", p.spec.program(), r);
  lua_pushboolean(L, r == 0);
  return 1;
}

int process_gc(lua_State* L) {
  auto** slot = static_cast<ProcessObject**>(lua_touserdata(L, 1));
  ProcessObject* p = *slot;
  *slot = nullptr;
  if (!p) return 0;
  p->scoped.detach();  // the runtime reaps it in the background
  p->core.terminate(p->spec.kill_grace_ms);  // no effect once finished
  p->core.drop_lua_object();
  return 0;
}

int process_index(lua_State* L) {
  ProcessObject* p = *slot_of(L, 1);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
  const char* key = lua_tostring(L, 2);
  if (!key || !p) return 0;
  if (std::strcmp(key, "pid") == 0) {
    lua_pushinteger(L, p->core.pid);
  } else if (std::strcmp(key, "stdin") == 0) {
    lua_getiuservalue(L, 1, 1);
  } else if (std::strcmp(key, "stdout") == 0) {
    lua_getiuservalue(L, 1, 2);
  } else if (std::strcmp(key, "stderr") == 0) {
    lua_getiuservalue(L, 1, 3);
  } else {
    lua_pushnil(L);
  }
  return 1;
}

int process_tostring(lua_State* L) {
  ProcessObject* p = *slot_of(L, 1);
  if (!p) {
    lua_pushliteral(L, "Process (gone)");
  } else {
    lua_pushfstring(L, "Process %d (%s)%s", p->core.pid, p->spec.program(), p->core.finished ? " finished" : "");
  }
  return 1;
}

const char* const kStreamNames[3] = {"stdin", "stdout", "stderr"};

// std.process.spawn(cmd, opts?) -> Process
int l_spawn(lua_State* L) {
  IoContext& ctx = context(L);
  lua_settop(L, 2);
  auto** slot = static_cast<ProcessObject**>(lua_newuserdatauv(L, sizeof(ProcessObject*), 3));
  *slot = nullptr;
  luaL_setmetatable(L, kProcessMetatable);
  const int obj = lua_gettop(L);
  ProcessObject* p = new (std::nothrow) ProcessObject(ctx.loop);
  if (!p) return luaL_error(L, "not enough memory");
  *slot = p;
  if (!own(L, p->core.owned)) return luaL_error(L, "%s: runtime is shut down", kFname);
  p->core.reaper = group_reaper(L, ctx);
  parse_spawn(L, 1, 2, false, ctx.grace_ms, kFname, p->spec);
  // The Streams exist before the child, so that nothing raises between
  // the spawn and handing each pipe to its Stream.
  for (int i = 0; i < 3; ++i) {
    if (p->spec.stdio[i] != Stdio::pipe) continue;
    push_stream(L);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, obj, i + 1);
    lua_pop(L, 1);
  }
  StreamCore* cores[3] = {nullptr, nullptr, nullptr};
  bool out_of_memory = false;
  for (int i = 0; i < 3; ++i) {
    if (p->spec.stdio[i] != Stdio::pipe) continue;
    cores[i] = new (std::nothrow) StreamCore;
    if (!cores[i]) out_of_memory = true;
  }
  if (out_of_memory) {
    for (StreamCore* c : cores) delete c;
    return luaL_error(L, "not enough memory");
  }
  int fds[3];
  const int r = p->core.start(p->spec, fds);
  for (int i = 0; i < 3; ++i) {
    if (!cores[i]) continue;
    StreamCore& c = *cores[i];
    if (r == 0) {
      uv_pipe_init(ctx.loop, &c.h.pipe, 0);
      c.h.handle.data = &c;
      c.initialized = true;
      c.is_plain_pipe = true;
      if (uv_pipe_open(&c.h.pipe, fds[i]) < 0) c.start_closing();
      try {
        c.label = std::string(kStreamNames[i]) + " of '" + p->spec.program() + "'";
      } catch (const std::bad_alloc&) {
        // the label stays empty
      }
    }
    lua_getiuservalue(L, obj, i + 1);
    attach_stream(L, -1, &c);
    attach_stream_to_scope(L, &c);
    lua_pop(L, 1);
    if (r < 0) c.start_closing();
  }
  if (r < 0) raise_uv_error(L, kFname, "cannot run", p->spec.executable(), r);
  attach_to_scope(L, p->scoped);
  lua_settop(L, obj);
  return 1;
}

}  // namespace

void init_process_type(lua_State* L) {
  luaL_newmetatable(L, kProcessMetatable);
  const luaL_Reg methods[] = {{"wait", process_wait}, {"kill", process_kill}, {"close", process_close}, {nullptr, nullptr}};
  luaL_newlib(L, methods);
  lua_pushcclosure(L, process_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, process_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushcfunction(L, process_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, process_close);
  lua_setfield(L, -2, "__close");
  lua_pop(L, 1);
}

void push_spawn_function(lua_State* L) { lua_pushcfunction(L, l_spawn); }

}  // namespace lua_batteries::io
