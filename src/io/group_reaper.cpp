#include "io/group_reaper.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <new>

namespace lua_batteries::io {

GroupReaper::GroupReaper(uv_loop_t* loop)
    : owned([](OwnedResource& r) { static_cast<GroupReaper*>(r.user_data())->close(); }, this) {
  uv_signal_init(loop, &signal_);
  signal_.data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(&signal_));  // never keeps the loop alive
}

bool GroupReaper::reap(int pgid) {
  int status = 0;
  while (::waitpid(-pgid, &status, WNOHANG) > 0) {
  }
  return ::kill(-pgid, 0) == 0;
}

void GroupReaper::track(int pgid) {
  if (closing_ || !reap(pgid)) return;
  try {
    if (std::find(groups_.begin(), groups_.end(), pgid) == groups_.end()) groups_.push_back(pgid);
  } catch (const std::bad_alloc&) {
    return;  // its members go to whoever adopts them
  }
  if (!watching_ && uv_signal_start(&signal_, &GroupReaper::on_sigchld, SIGCHLD) == 0) watching_ = true;
}

void GroupReaper::forget(int pid) { groups_.erase(std::remove(groups_.begin(), groups_.end(), pid), groups_.end()); }

void GroupReaper::sweep() {
  groups_.erase(std::remove_if(groups_.begin(), groups_.end(), [](int pgid) { return !reap(pgid); }), groups_.end());
  if (groups_.empty() && watching_) {
    uv_signal_stop(&signal_);
    watching_ = false;
  }
}

void GroupReaper::on_sigchld(uv_signal_t* handle, int) { static_cast<GroupReaper*>(handle->data)->sweep(); }

void GroupReaper::close() {
  if (closing_) return;
  closing_ = true;
  owned.release();
  if (slot) *slot = nullptr;
  sweep();
  uv_close(reinterpret_cast<uv_handle_t*>(&signal_),
           [](uv_handle_t* h) { delete static_cast<GroupReaper*>(h->data); });
}

}  // namespace lua_batteries::io
