// A wait kind defined outside the scheduler (docs/design.md, "Adding a
// suspending primitive"). The scheduler knows a few waits of its own
// (a turn, a sleep, a join, a scope, a host await); anything else that
// suspends a fiber until some event (a channel, a semaphore, an I/O
// request) describes its wait with a WaitSite and needs no change to the
// scheduler:
//
//   1. before suspending: rt.wait_on(f, site) (registers for
//      cancellation and records the site), then rt.suspend(L, f, k, ctx);
//   2. when the event comes: rt.complete_wait(f) queues the fiber;
//   3. in the continuation k: rt.finish_wait(f) detaches the site and
//      says whether the wait completed (true) or was interrupted (false:
//      raise `task cancelled` with check_cancel).
//
// If the fiber is cancelled, hard-aborted or the runtime shuts down before
// k ran, `interrupt` runs instead, once, and the site is detached: the
// primitive unlinks whatever would have completed the wait. A site must
// stay valid from wait_on until k or interrupt; embedding it in a userdata
// left on the suspended function's own stack does that, as that stack
// lives until the fiber resumes or is torn down (after interrupt).
//
// A wait that must not allocate (a channel's, an event's, a semaphore's)
// uses the fiber's own SiteWait instead: its site is a static one per kind
// of wait, whose interrupt finds the waiter's node in f.site_wait.node, and
// the node is the fiber's place in the primitive's WaitQueue.
//
// The task dump (std.task.dump, dump.cpp) shows a waiting fiber as
// "waiting on <what>", or with the text `describe` pushes when the site
// has one ("channel c3 (receive)").
#pragma once

#include <lua.hpp>

#include "core/wait_queue.hpp"
#include "lua_batteries/task.hpp"

namespace lua_batteries::detail {

struct Fiber;

struct WaitSite {
  /// The wait ended without completing, or the fiber is torn down after
  /// it completed but before k ran. Runs on the loop; must not raise or
  /// call into Lua; may destroy the site. `f` is the fiber that waited.
  using InterruptFn = void (*)(WaitSite& site, Fiber& f, Interruption why);

  /// [-0, +1, m] Pushes what `f` waits for, as one line of text, for the
  /// task dump. Runs while the program may be wedged: it must only read
  /// (no wake-ups, no Lua calls) and allocate nothing but Lua strings.
  using DescribeFn = void (*)(lua_State* L, const WaitSite& site, const Fiber& f);

  constexpr explicit WaitSite(InterruptFn on_interrupt, bool completes_externally = false,
                              const char* what_text = "a wait site", DescribeFn describe_fn = nullptr)
      : interrupt(on_interrupt), external(completes_externally), what(what_text), describe(describe_fn) {}

  InterruptFn interrupt;
  /// Completed by something other than the runtime's own deadlines and
  /// fibers (I/O, another thread): on virtual time the clock does not jump
  /// while such a wait is pending.
  bool external;
  /// A static name of the wait ("semaphore acquire"), shown when there is
  /// no `describe`.
  const char* what;
  DescribeFn describe;
};

/// A waiter in a WaitQueue: the site it waits on (what kind of wait the
/// node belongs to, for a queue that holds several kinds) and its node.
/// Fiber::site_wait is one; task.select keeps one per channel.
struct SiteWait {
  WaitSite* site;  // Fiber::site_wait: from wait_on to finish_wait or interrupt
  WaitNode node;   // the fiber's place in a queue, if its site uses one
};

}  // namespace lua_batteries::detail
