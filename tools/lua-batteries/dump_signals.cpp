#include "dump_signals.hpp"

#include <csignal>
#include <cstdio>

#include "lua_batteries/task.hpp"

namespace lua_batteries::runner {

std::optional<std::string> DumpSignals::start(uv_loop_t* loop, lua_State* L) {
  L_ = L;
  for (uv_signal_t* handle : {&quit_, &usr1_}) {
    if (uv_signal_init(loop, handle) != 0) return "cannot create a signal handle";
    ++open_;
    handle->data = this;
    uv_unref(reinterpret_cast<uv_handle_t*>(handle));
  }
  if (uv_signal_start(&quit_, on_signal, SIGQUIT) != 0) return "cannot handle SIGQUIT";
  if (uv_signal_start(&usr1_, on_signal, SIGUSR1) != 0) return "cannot handle SIGUSR1";
  return std::nullopt;
}

void DumpSignals::close() {
  L_ = nullptr;
  if (open_ > 0) uv_close(reinterpret_cast<uv_handle_t*>(&quit_), nullptr);
  if (open_ > 1) uv_close(reinterpret_cast<uv_handle_t*>(&usr1_), nullptr);
  open_ = 0;
}

// Runs on the loop between resumes: nothing runs Lua code, so the dump
// sees every fiber suspended where it is.
void DumpSignals::on_signal(uv_signal_t* handle, int signum) {
  auto* self = static_cast<DumpSignals*>(handle->data);
  if (self->L_ == nullptr) return;
  std::string text = "lua-batteries: task dump (";
  text += signum == SIGQUIT ? "SIGQUIT" : "SIGUSR1";
  text += "):\n";
  text += lua_batteries::dump(self->L_);
  if (text.back() != '\n') text += '\n';
  std::fwrite(text.data(), 1, text.size(), stderr);  // one write: lines do not interleave
  std::fflush(stderr);
}

}  // namespace lua_batteries::runner
