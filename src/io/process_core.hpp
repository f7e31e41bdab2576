// A child process of std.process (spec std-io.md section 2), apart from
// its Lua object: the process handle, the kill timer, how it ended, and
// its termination (SIGTERM to its group, SIGKILL after the grace).
//
// It outlives its Lua object until the child is reaped and its timer is
// closed (the runtime owns it meanwhile), so a collected or aborted
// process never becomes a zombie; at runtime shutdown it is killed and
// reaped at once.
#pragma once

#include <uv.h>

#include <cstdint>
#include <string>

#include "io/group_reaper.hpp"
#include "io/spawn_spec.hpp"
#include "lua_batteries/resource.hpp"
#include "lua_batteries/task.hpp"

namespace lua_batteries::io {

struct ProcessCore {
  /// `owner` is the object that embeds this core; hooks get it back.
  struct Hooks {
    /// The child was reaped (and, if it was being terminated, its group is
    /// gone or got SIGKILL).
    void (*finished)(ProcessCore&);
    /// Every handle of the owner is closed and the Lua object is gone:
    /// free the owner.
    void (*destroy)(ProcessCore&);
    /// The runtime shuts down: close the owner's other handles.
    void (*shutdown)(ProcessCore&);
  };

  /// The awaiter (user data: this core) reports interrupts to on_interrupt.
  ProcessCore(uv_loop_t* loop, const Hooks& hooks, void* owner, Awaiter::InterruptFn on_interrupt);
  ProcessCore(const ProcessCore&) = delete;
  ProcessCore& operator=(const ProcessCore&) = delete;

  /// Starts spec; returns a libuv error or 0 (see start_process). Needs
  /// `reaper` (UV_ENOMEM without one).
  int start(const SpawnSpec& spec, int parent_fds[3]);
  /// SIGTERM to the group, SIGKILL after grace_ms (at once when 0). The
  /// core finishes once the child is reaped and its group is empty (or,
  /// a second after the SIGKILL, given up: members whose parent never
  /// reaps them). Idempotent.
  void terminate(double grace_ms);
  /// SIGKILL to the group now.
  void kill_now();
  /// Sends `sig` to the group (the child alone if it has none); returns
  /// a libuv error or 0.
  int signal_group(int sig);
  /// The owner's Lua object is gone (the owner ended the child first, if
  /// it must end). A core never started is closed here.
  void drop_lua_object();
  /// A handle of the owner was opened / its close callback ran.
  void handle_opened() { ++open_handles; }
  void handle_closed();

  ChildWatch child;  // while the child runs
  uv_timer_t timer{};
  OwnedResource owned;
  Awaiter awaiter;
  Hooks hooks;
  void* owner;
  GroupReaper* reaper = nullptr;  // reaps what the child leaves in its group
  std::uint64_t kill_deadline_ms = 0;  // uv_now() when the group gets SIGKILL (or, after it, is given up)
  int pid = 0;
  std::int64_t exit_status = 0;
  int term_signal = 0;
  int open_handles = 0;
  bool started = false;
  bool exited = false;
  bool finished = false;
  bool terminating = false;
  bool killed = false;  // SIGKILL sent to the group
  bool lua_gone = false;
  bool closing = false;  // the timer handle closing
};

}  // namespace lua_batteries::io
