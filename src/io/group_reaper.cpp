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
  // Watching from the start, before the first child exists: a child that
  // exits before it is watched still leaves its SIGCHLD for the next turn.
  uv_signal_start(&signal_, &GroupReaper::on_sigchld, SIGCHLD);
  uv_unref(reinterpret_cast<uv_handle_t*>(&signal_));
}

bool GroupReaper::reap(int pgid) {
  int status = 0;
  while (::waitpid(-pgid, &status, WNOHANG) > 0) {
  }
  return ::kill(-pgid, 0) == 0;
}

void GroupReaper::watch(ChildWatch& w) {
  w.reaper = this;
  w.prev = nullptr;
  w.next = children_;
  if (children_) children_->prev = &w;
  children_ = &w;
  update_signal();
}

void GroupReaper::unwatch(ChildWatch& w) {
  GroupReaper* r = w.reaper;
  if (!r) return;
  if (w.prev)
    w.prev->next = w.next;
  else
    r->children_ = w.next;
  if (w.next) w.next->prev = w.prev;
  w.prev = w.next = nullptr;
  w.reaper = nullptr;
  r->update_signal();
}

void GroupReaper::track(int pgid) {
  if (closing_ || !reap(pgid)) return;
  try {
    if (std::find(groups_.begin(), groups_.end(), pgid) == groups_.end()) groups_.push_back(pgid);
  } catch (const std::bad_alloc&) {
    return;  // its members go to whoever adopts them
  }
  update_signal();
}

void GroupReaper::forget(int pid) { groups_.erase(std::remove(groups_.begin(), groups_.end(), pid), groups_.end()); }

// A watched child keeps the loop alive; a group's leftovers are not worth
// waiting for.
void GroupReaper::update_signal() {
  if (closing_) return;
  auto* h = reinterpret_cast<uv_handle_t*>(&signal_);
  if (children_)
    uv_ref(h);
  else
    uv_unref(h);
}

void GroupReaper::sweep() {
  // Watched children first: a callback may watch a new child (at the
  // head, not exited yet) or unwatch others, so restart after each.
  for (bool again = true; again;) {
    again = false;
    for (ChildWatch* w = children_; w; w = w->next) {
      int status = 0;
      int r;
      do r = ::waitpid(w->pid, &status, WNOHANG);
      while (r < 0 && errno == EINTR);
      if (r == 0) continue;
      std::int64_t code = 0;
      int sig = 0;
      if (r > 0 && WIFEXITED(status)) code = WEXITSTATUS(status);
      if (r > 0 && WIFSIGNALED(status)) sig = WTERMSIG(status);
      unwatch(*w);
      w->on_exit(*w, code, sig);
      again = true;
      break;
    }
  }
  groups_.erase(std::remove_if(groups_.begin(), groups_.end(), [](int pgid) { return !reap(pgid); }), groups_.end());
  update_signal();
}

void GroupReaper::on_sigchld(uv_signal_t* handle, int) { static_cast<GroupReaper*>(handle->data)->sweep(); }

void GroupReaper::close() {
  if (closing_) return;
  groups_.erase(std::remove_if(groups_.begin(), groups_.end(), [](int pgid) { return !reap(pgid); }), groups_.end());
  closing_ = true;
  owned.release();
  if (slot) *slot = nullptr;
  while (children_) unwatch(*children_);
  uv_close(reinterpret_cast<uv_handle_t*>(&signal_),
           [](uv_handle_t* h) { delete static_cast<GroupReaper*>(h->data); });
}

}  // namespace lua_batteries::io
