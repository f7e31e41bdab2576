// Ctrl-C during lb.run. The interpreter (lua.c) has its own SIGINT handler
// while it runs a chunk; for the run's duration libuv's handler takes its
// place, and when the run returns the interpreter's disposition comes back
// as it was (libuv alone would leave SIG_DFL behind).
#include <pthread.h>

#include "module_state.hpp"

namespace lua_batteries::module {
namespace {

/// The first Ctrl-C shuts the run down gracefully (cancel the root scope,
/// grace window, hard abort); every later one hard-aborts what is left.
void on_sigint(uv_signal_t* handle, int) {
  auto* state = static_cast<ModuleState*>(handle->data);
  if (!state->running) return;
  if (++state->interrupts == 1) {
    request_shutdown(state->L);
  } else {
    abort_all(state->L);
  }
}

}  // namespace

void start_interrupts(ModuleState& state, struct sigaction& saved) {
  sigaction(SIGINT, nullptr, &saved);
  state.interrupts = 0;
  uv_signal_start(&state.sigint, on_sigint, SIGINT);
  // Unreferenced: waiting for a Ctrl-C never keeps a finished run alive
  // (nor hides a deadlock).
  uv_unref(reinterpret_cast<uv_handle_t*>(&state.sigint));
}

void stop_interrupts(ModuleState& state, const struct sigaction& saved) {
  // SIGINT stays blocked between libuv's removal of its handler and the
  // return of the interpreter's, so that no Ctrl-C meets SIG_DFL.
  sigset_t only_sigint;
  sigset_t previous_mask;
  sigemptyset(&only_sigint);
  sigaddset(&only_sigint, SIGINT);
  pthread_sigmask(SIG_BLOCK, &only_sigint, &previous_mask);
  uv_signal_stop(&state.sigint);
  sigaction(SIGINT, &saved, nullptr);
  pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
}

}  // namespace lua_batteries::module
