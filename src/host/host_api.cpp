// The public host API (include/lua_batteries/task.hpp) on top of the
// runtime.
#include <new>
#include <stdexcept>
#include <string>

#include "core/cancel_token.hpp"
#include "core/out_of_memory.hpp"
#include "host/install.hpp"
#include "lua/bindings.hpp"
#include "lua_batteries/observer.hpp"
#include "lua_batteries/task.hpp"
#include "runtime/dump.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries {

using detail::Fiber;
using detail::Runtime;

int RunResult::exit_code() const {
  switch (status) {
    case Status::ok: return 0;
    case Status::interrupted: return 130;
    case Status::error:
    case Status::deadlock: return 1;
  }
  return 1;
}

namespace {

struct Installation {
  uv_loop_t* loop;
  const Config* config;
};

int runtime_gc(lua_State* L) {
  static_cast<Runtime*>(lua_touserdata(L, 1))->~Runtime();
  return 0;
}

// [-1, +0, e] The whole installation, run in protected mode.
int install(lua_State* L) {
  const auto& inst = *static_cast<const Installation*>(lua_touserdata(L, 1));
  lua_pop(L, 1);
  if (Runtime::from(L)) return luaL_error(L, "std.task is already installed in this Lua state");

  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  lua_State* main_thread = lua_tothread(L, -1);
  lua_pop(L, 1);

  // The runtime is the first object of the module with a __gc, so lua_close
  // finalizes it after every other (tokens; handles and scopes have none
  // outside debug builds), while every task and scope is still intact:
  // lua_close frees no memory before every finalizer has run.
  // Everything that can fail comes before the Runtime exists or after its
  // __gc is set: a constructed Runtime has libuv handles open, and only
  // its destructor closes them.
  void* memory = lua_newuserdatauv(L, sizeof(Runtime), 0);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, runtime_gc);
  lua_setfield(L, -2, "__gc");
  Runtime* rt = nullptr;
  if (!detail::allocation_succeeded([&] { rt = new (memory) Runtime(main_thread, inst.loop, *inst.config); }))
    return luaL_error(L, "not enough memory");
  lua_setmetatable(L, -2);  // does not allocate
  rt->open(L, -1);
  lua_pop(L, 1);
  if (const char* error = rt->start_preemption()) return luaL_error(L, "%s", error);
  detail::open_libraries(L, *rt);
  return 0;
}

Runtime* runtime_or_null(lua_State* L) { return L ? Runtime::from(L) : nullptr; }

}  // namespace

namespace detail {

void install_runtime(lua_State* L, uv_loop_t* loop, const Config& config) {
  Installation inst{loop, &config};
  lua_pushcfunction(L, install);
  lua_pushlightuserdata(L, &inst);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    std::string message = lua_tostring(L, -1) ? lua_tostring(L, -1) : "std.task: installation failed";
    lua_pop(L, 1);
    throw std::runtime_error(message);
  }
}

}  // namespace detail

RunResult run_function(lua_State* L, int nargs) {
  Runtime* rt = runtime_or_null(L);
  if (!rt) {
    lua_pop(L, nargs + 1);
    RunResult r;
    r.status = RunResult::Status::error;
    r.message = "std.task is not installed in this Lua state";
    return r;
  }
  return rt->run(L, nargs);
}

namespace {

// What to load: a file (path, nullptr for standard input) or a buffer.
struct ChunkSource {
  const char* path = nullptr;
  std::string_view chunk;
  const char* chunk_name = nullptr;
  bool is_buffer = false;
};

// [-1, +1, m] Loads the chunk; the error message replaces it on failure.
// luaL_loadfile and luaL_loadbuffer themselves raise memory errors, so
// they run in protected mode here.
int load_chunk(lua_State* L) {
  const auto& source = *static_cast<const ChunkSource*>(lua_touserdata(L, 1));
  lua_pop(L, 1);
  const int status = source.is_buffer
                         ? luaL_loadbuffer(L, source.chunk.data(), source.chunk.size(), source.chunk_name)
                         : luaL_loadfile(L, source.path);
  if (status != LUA_OK) return lua_error(L);
  return 1;
}

// Loads `source` onto L's stack in protected mode; on failure pops `nargs`
// values and returns the error.
std::optional<RunResult> load_protected(lua_State* L, const ChunkSource& source, int nargs) {
  lua_pushcfunction(L, load_chunk);
  lua_pushlightuserdata(L, const_cast<ChunkSource*>(&source));
  if (lua_pcall(L, 1, 1, 0) == LUA_OK) return std::nullopt;
  RunResult r;
  r.status = RunResult::Status::error;
  r.message = lua_tostring(L, -1) ? lua_tostring(L, -1) : "cannot load the chunk";
  lua_pop(L, nargs + 1);
  return r;
}

}  // namespace

RunResult run_file(lua_State* L, const char* path, int nargs) {
  ChunkSource source;
  source.path = path;
  if (auto failed = load_protected(L, source, nargs)) return *failed;
  lua_insert(L, -(nargs + 1));
  return run_function(L, nargs);
}

RunResult run_string(lua_State* L, std::string_view chunk, const char* chunk_name) {
  ChunkSource source;
  source.chunk = chunk;
  source.chunk_name = chunk_name;
  source.is_buffer = true;
  if (auto failed = load_protected(L, source, 0)) return *failed;
  return run_function(L, 0);
}

void request_shutdown(lua_State* L) {
  if (Runtime* rt = runtime_or_null(L)) rt->request_shutdown();
}

void abort_all(lua_State* L) {
  if (Runtime* rt = runtime_or_null(L)) rt->abort_all();
}

InterruptHandle interrupt_handle(lua_State* L) { return InterruptHandle{runtime_or_null(L)}; }

void interrupt(const InterruptHandle& handle) noexcept {
  if (handle.runtime) static_cast<Runtime*>(handle.runtime)->interrupt_from_signal();
}

void shutdown(lua_State* L) {
  if (Runtime* rt = runtime_or_null(L)) rt->close();
}

// --- tokens and task info -------------------------------------------------------

// CancelTokenRef keeps its reference as a detail::TokenRef would; the
// pointer is raw only so that the public header needs no internal one.

bool CancelTokenRef::is_cancelled() const { return token_ && token_->is_cancelled(); }

void CancelTokenRef::cancel() {
  if (token_) token_->cancel();
}

CancelTokenRef::CancelTokenRef(const CancelTokenRef& other)
    : token_(detail::TokenRef::share(other.token_).release()) {}

CancelTokenRef& CancelTokenRef::operator=(const CancelTokenRef& other) {
  if (this != &other) {
    detail::TokenRef previous = detail::TokenRef::adopt(token_);  // released at the end of this block
    token_ = detail::TokenRef::share(other.token_).release();
  }
  return *this;
}

CancelTokenRef::CancelTokenRef(CancelTokenRef&& other) noexcept : token_(other.token_) { other.token_ = nullptr; }

CancelTokenRef& CancelTokenRef::operator=(CancelTokenRef&& other) noexcept {
  if (this != &other) {
    detail::TokenRef previous = detail::TokenRef::adopt(token_);
    token_ = other.token_;
    other.token_ = nullptr;
  }
  return *this;
}

CancelTokenRef::~CancelTokenRef() { detail::TokenRef::adopt(token_).reset(); }

CancelTokenRef effective_token(lua_State* L) {
  CancelTokenRef ref;
  Runtime* rt = runtime_or_null(L);
  if (!rt) return ref;
  Fiber* f = rt->running();
  ref.token_ = detail::TokenRef::share(f ? f->token() : rt->root_scope().token.get()).release();
  return ref;
}

std::string dump(lua_State* L, DumpForm form) {
  Runtime* rt = runtime_or_null(L);
  return rt ? detail::dump_text(L, *rt, form) : std::string();
}

std::optional<TaskInfo> current_task(lua_State* L) {
  Runtime* rt = runtime_or_null(L);
  Fiber* f = rt ? rt->running() : nullptr;
  if (!f || !f->task) return std::nullopt;
  TaskInfo info;
  info.id = "t";
  info.id += std::to_string(f->task->number);
  if (f->task->name) info.name = std::string(f->task->name, f->task->name_len);
  info.driver = f->task->driver;
  info.cancelled = f->is_cancelled();
  return info;
}

std::uint64_t current_task_number(lua_State* L) {
  Runtime* rt = runtime_or_null(L);
  Fiber* f = rt ? rt->running() : nullptr;
  return f && f->task ? f->task->number : 0;
}

// --- the await helper -------------------------------------------------------------

Awaiter::~Awaiter() {
  if (fiber_) fiber_->rt.on_awaiter_destroyed(*this);
}

void Awaiter::complete_interrupted() {
  if (completed_) return;
  nothing_happened_ = cancel_requested_;
  complete();
}

void Awaiter::complete() {
  if (completed_) return;
  if (fiber_) {
    completed_ = true;
    fiber_->rt.on_awaiter_completed(*this);
  } else if (!used_) {
    completed_ = true;  // before await(): it continues after one turn
  }
}

namespace {

int await_continue(lua_State* L, int, lua_KContext ctx) {
  Fiber& f = *reinterpret_cast<Fiber*>(ctx);
  // Still attached after a deferred cancel the bridge completed as
  // interrupted (nothing happened): the wait ends here, with
  // on_interrupt(cancelled). One it completed plainly happened: k runs.
  Awaiter* awaiter = f.await_call.awaiter;
  const bool nothing_happened = f.await_end == Fiber::AwaitEnd::completed && awaiter && Runtime::nothing_happened(*awaiter);
  f.rt.detach_awaiter(f);  // the wait ends here, in k or in an error
  if (nothing_happened) {
    Runtime::notify_interrupt(*awaiter, Interruption::cancelled);
    f.rt.errors().raise(L, detail::ErrorKind::cancelled);
  }
  switch (f.await_end) {
    case Fiber::AwaitEnd::interrupted:
      detail::raise_interrupted(L, f);
    case Fiber::AwaitEnd::abandoned:
      return luaL_error(L, "%s: the operation was abandoned before it completed", f.await_call.what);
    case Fiber::AwaitEnd::completed:
      break;
  }
  const detail::AwaitCall call = f.await_call;
  return call.k(L, LUA_YIELD, call.ctx);
}

}  // namespace

bool can_suspend(lua_State* L) {
  Runtime* rt = runtime_or_null(L);
  return rt && !rt->is_closed() && rt->suspendable_fiber(L) != nullptr;
}

int check_cancelled(lua_State* L) {
  Runtime* rt = runtime_or_null(L);
  if (!rt || rt->is_closed()) return 0;
  if (effective_token(L).is_cancelled()) rt->errors().raise(L, detail::ErrorKind::cancelled);
  return 0;
}

int await(lua_State* L, Awaiter& awaiter, const char* what, lua_KFunction k, lua_KContext ctx) {
  Runtime* rt = runtime_or_null(L);
  if (!rt) return luaL_error(L, "%s: std.task is not installed", what);
  Fiber& f = detail::check_suspendable(L, *rt, what);
  awaiter.used_ = true;
  if (f.is_cancelled() && awaiter.cancel_mode_ == CancelMode::immediate) {
    if (awaiter.on_interrupt_) awaiter.on_interrupt_(awaiter, Interruption::cancelled);
    rt->errors().raise(L, detail::ErrorKind::cancelled);
  }
  f.await_call = detail::AwaitCall{nullptr, what, k, ctx};  // wait_await attaches the awaiter
  f.await_end = Fiber::AwaitEnd::completed;
  if (awaiter.completed_) {
    rt->wait_turn(f);
  } else {
    rt->wait_await(f, awaiter);
    // Deferred mode in a cancelled task: the bridge hears of it now; a
    // completion it gives at once is picked up when the yield is done.
    if (f.is_cancelled()) rt->defer_cancel(f);
  }
  return rt->suspend(L, f, &await_continue, reinterpret_cast<lua_KContext>(&f));
}

}  // namespace lua_batteries
