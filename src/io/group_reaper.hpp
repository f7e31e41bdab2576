// Reaps what a child left in its process group after the child itself was
// reaped (spec std-io.md section 0: no zombie process is left behind).
//
// When the process running lua-batteries is a child subreaper (the runner
// makes itself one), the descendants a child leaves behind become its
// children when the child dies; nobody else would wait for them. libuv
// reaps only the processes it started, by pid, so this reaps the others,
// by process group (waitpid(-pgid)), and only for groups whose leader
// libuv has already reaped: it never takes libuv's own children.
#pragma once

#include <uv.h>

#include <vector>

#include "lua_batteries/resource.hpp"

namespace lua_batteries::io {

class GroupReaper {
 public:
  explicit GroupReaper(uv_loop_t* loop);
  GroupReaper(const GroupReaper&) = delete;
  GroupReaper& operator=(const GroupReaper&) = delete;

  /// The leader of group `pgid` was reaped; reap the group's other
  /// members now and whenever a child exits, until none is left.
  void track(int pgid);
  /// A new child got pid `pid`: a group of that id is certainly gone.
  void forget(int pid);
  /// Reaps what has exited in `pgid`; returns whether any member is left
  /// (zombies of other parents included).
  static bool reap(int pgid);
  /// Closes the signal watcher; the reaper frees itself afterwards.
  void close();

  OwnedResource owned;
  /// Set to null when the reaper closes (the context's pointer to it).
  GroupReaper** slot = nullptr;

 private:
  static void on_sigchld(uv_signal_t* handle, int);
  void sweep();

  uv_signal_t signal_{};
  std::vector<int> groups_;
  bool watching_ = false;
  bool closing_ = false;
};

}  // namespace lua_batteries::io
