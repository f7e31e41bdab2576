// Blocking runs of a main chunk, shutdown and teardown.
#include <memory>
#include <string>

#include "core/duration.hpp"
#include "core/out_of_memory.hpp"
#include "runtime/dump.hpp"
#include "runtime/registry_ref.hpp"
#include "runtime/runtime.hpp"

namespace lua_batteries::detail {
namespace {

struct MainSetup {
  int nargs;
  lua_State* thread = nullptr;
  int thread_ref = LUA_NOREF;
};

// [-(nargs+2), +0, m] Moves the function and its arguments onto a new
// thread pinned in the registry. Runs in protected mode.
int setup_main_thread(lua_State* L) {
  auto* setup = static_cast<MainSetup*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  setup->thread = lua_newthread(L);
  lua_insert(L, -(setup->nargs + 2));
  lua_xmove(L, setup->thread, setup->nargs + 1);
  setup->thread_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

RunResult run_error(std::string message) {
  RunResult r;
  r.status = RunResult::Status::error;
  r.message = std::move(message);
  return r;
}

}  // namespace

RunResult Runtime::run(lua_State* L, int nargs) {
  if (closed_ || run_) {
    lua_pop(L, nargs + 1);
    return run_error(closed_ ? "std.task: runtime is shut down" : "std.task: a run is already in progress");
  }
  if (root_renewal_pending_ && !renew_root_token()) {
    lua_pop(L, nargs + 1);
    return run_error("not enough memory");
  }
  MainSetup setup{nargs};
  lua_pushcfunction(L, &setup_main_thread);
  lua_insert(L, -(nargs + 2));
  lua_pushlightuserdata(L, &setup);
  if (lua_pcall(L, nargs + 2, 0, 0) != LUA_OK) {
    std::string message = lua_tostring(L, -1) ? lua_tostring(L, -1) : "not enough memory";
    lua_pop(L, 1);
    return run_error(std::move(message));
  }

  const RegistryRef main_thread(L, setup.thread_ref);  // released on every way out
  std::unique_ptr<Fiber> main;
  if (!allocation_succeeded([&] {
        main = std::make_unique<Fiber>(*this, FiberKind::main, root_.get(), nullptr, Driver::async_fn, setup.thread,
                                       nargs);
      }))
    return run_error("not enough memory");
  RunState state;
  state.main = main.get();
  run_ = &state;
  make_runnable(*main);

  while (!state.complete) {
    in_uv_run_ = true;
    const int alive = uv_run(loop_.loop(), UV_RUN_DEFAULT);
    in_uv_run_ = false;
    if (state.complete) break;
    if (alive == 0) {
      // Nothing can wake anyone: tear down what waits, like a shutdown.
      state.result.status = RunResult::Status::deadlock;
      // Without memory for the message the status still says it.
      allocation_succeeded([&] {
        std::string who = dump_text(service_, *this, DumpForm::brief);
        if (!who.empty() && who.back() == '\n') who.pop_back();
        state.result.message = "std.task: deadlock: " +
                               std::to_string(root_->live_count + (main->state != FiberState::done)) +
                               " fiber(s) wait for each other and nothing can wake them:\n" + who;
        state.result.dump = dump_text(service_, *this, DumpForm::full);
      });
      abort_everything();
      break;
    }
  }

  report_unjoined(*root_);
  deadlines_.remove(shutdown_grace_entry_);
  if (interrupted_ && state.result.status == RunResult::Status::ok)
    state.result.status = RunResult::Status::interrupted;
  run_ = nullptr;
  // A shutdown cancelled the root token; later runs get a fresh one.
  if (root_->token->is_cancelled() && root_->live_count == 0) renew_root_token();
  sync_loop_handles();
  return std::move(state.result);
}

bool Runtime::renew_root_token() {
  CancelToken* fresh = nullptr;
  if (!allocation_succeeded([&] { fresh = CancelToken::create(nullptr); })) {
    // Still cancelled: the next run tries again before it starts.
    root_renewal_pending_ = true;
    return false;
  }
  root_->token = TokenRef::adopt(fresh);
  root_renewal_pending_ = false;
  shutting_down_ = false;
  interrupted_ = false;
  return true;
}

void Runtime::run_main_failed(Fiber& main, std::string traceback) {
  const bool cancelled = errors_.kind_of(main.thread, 1) == ErrorKind::cancelled;
  if (interrupted_ && cancelled) {
    run_->result.status = RunResult::Status::interrupted;
  } else {
    run_->result.status = RunResult::Status::error;
    run_->result.message = describe(main.thread, 1);
    // Without memory for the traceback, the error alone.
    if (!traceback.empty()) allocation_succeeded([&] { run_->result.message += "\n" + traceback; });
    if (observer()) observer()->main_chunk_failed(run_->result.message);
  }
  begin_shutdown();
}

void Runtime::run_main_aborted() {
  if (run_->result.status == RunResult::Status::ok) run_->result.status = RunResult::Status::interrupted;
}

bool Runtime::has_live_fibers() const {
  return root_->live_count != 0 || (run_ && run_->main->state != FiberState::done);
}

void Runtime::check_run_complete() {
  // A shutdown's grace window ends with the last fiber.
  if (!has_live_fibers()) deadlines_.remove(shutdown_grace_entry_);
  if (!run_ || run_->complete || has_live_fibers()) return;
  run_->complete = true;
  deadlines_.remove(shutdown_grace_entry_);
  // Outside uv_run (a deadlock's teardown) run() sees `complete` itself; a
  // uv_stop there would leave a stop request for the host's next uv_run.
  if (in_uv_run_) uv_stop(loop_.loop());
}

void Runtime::begin_shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  root_->token->cancel();
  if (!has_live_fibers()) return;  // nothing to wait for: no grace timer
  if (config_.grace_ms <= 0) {
    shutdown_grace_expired();
    return;
  }
  if (!allocation_succeeded(
          [&] { deadlines_.insert(shutdown_grace_entry_, saturating_add(now_ns(), duration_ns(config_.grace_ms))); }))
    shutdown_grace_expired();
}

void Runtime::on_shutdown_grace_due(DeadlineEntry& entry) {
  container_of(entry, &Runtime::shutdown_grace_entry_).shutdown_grace_expired();
}

void Runtime::shutdown_grace_expired() {
  report_grace_expiring(nullptr, config_.grace_ms);
  const std::size_t aborted = abort_everything();
  if (observer() && aborted > 0) observer()->grace_expired(nullptr, aborted);
}

void Runtime::request_shutdown() {
  if (closed_) return;
  interrupted_ = true;
  begin_shutdown();
  if (!dispatching_) sync_loop_handles();
}

void Runtime::abort_all() {
  if (closed_) return;
  interrupted_ = true;
  abort_everything();
  if (!dispatching_) sync_loop_handles();
}

void Runtime::close() {
  if (closed_) return;
  abort_everything();
  root_->aborting = true;  // for good: cleanups run by lua_close cannot spawn
  report_unjoined(*root_);
  closed_ = true;
  resources_.shut_down();  // after the aborts, whose interrupts may hand some over
  forget_ending_resources();
  preemptor_.stop();
  while (DeadlineEntry* entry = deadlines_.top()) deadlines_.remove(*entry);
  run_queue_.clear();
  due_queue_.clear();
  loop_.close();
}

}  // namespace lua_batteries::detail
