// Reaps this runtime's child processes (spec std-io.md section 0: no
// zombie process is left behind): each child std.process started, by pid,
// reporting how it ended; and what a child left in its process group.
//
// Children are started with posix_spawn (spawn_spec.hpp), not uv_spawn, so
// libuv does not know them: the reaper watches SIGCHLD (a libuv signal
// watcher) and waits for each watched pid with WNOHANG. It never waits for
// other processes by pid, so a host's own uv_spawn children stay libuv's.
//
// When the process running lua-batteries is a child subreaper (the runner
// makes itself one), the descendants a child leaves behind become its
// children when the child dies; nobody else would wait for them. The
// reaper reaps those by process group (waitpid(-pgid)), and only for
// groups whose leader it has already reaped.
#pragma once

#include <uv.h>

#include <cstdint>
#include <vector>

#include "lua_batteries/resource.hpp"

namespace lua_batteries::io {

class GroupReaper;

/// A child being watched until it exits; embed it in the child's owner.
struct ChildWatch {
  /// The child was reaped: exit_status (0..255) if it exited, term_signal
  /// if a signal ended it. The watch has left the reaper.
  void (*on_exit)(ChildWatch&, std::int64_t exit_status, int term_signal) = nullptr;
  void* user_data = nullptr;
  int pid = 0;
  GroupReaper* reaper = nullptr;  // while watched
  ChildWatch* prev = nullptr;
  ChildWatch* next = nullptr;
};

class GroupReaper {
 public:
  explicit GroupReaper(uv_loop_t* loop);
  GroupReaper(const GroupReaper&) = delete;
  GroupReaper& operator=(const GroupReaper&) = delete;

  /// Watches child `w.pid` until it exits (then w.on_exit, on a later loop
  /// turn). A watched child keeps the loop alive.
  void watch(ChildWatch& w);
  /// Stops watching (no callback); no effect on a watch not watched.
  static void unwatch(ChildWatch& w);
  /// The leader of group `pgid` was reaped; reap the group's other
  /// members now and whenever a child exits, until none is left.
  void track(int pgid);
  /// A new child got pid `pid`: a group of that id is certainly gone.
  void forget(int pid);
  /// Reaps what has exited in `pgid`; returns whether any member is left
  /// (zombies of other parents included).
  static bool reap(int pgid);
  /// Closes the signal watcher (watched children are left to their
  /// owners, which the runtime shuts down too); the reaper frees itself
  /// afterwards.
  void close();

  OwnedResource owned;
  /// Set to null when the reaper closes (the context's pointer to it).
  GroupReaper** slot = nullptr;

 private:
  static void on_sigchld(uv_signal_t* handle, int);
  void sweep();
  void update_signal();

  uv_signal_t signal_{};
  std::vector<int> groups_;
  ChildWatch* children_ = nullptr;
  bool closing_ = false;
};

}  // namespace lua_batteries::io
