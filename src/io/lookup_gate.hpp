// The bound on name lookups running at once (spec std-io.md section 4):
// lookups share libuv's threadpool with std.fs and SQLite, so at most
// `limit` of them run at a time (the pool's size less one, at least one)
// and slow DNS cannot take every thread. The others wait in a queue, in
// order; a waiter that is cancelled leaves it without having started.
#pragma once

#include <cstddef>

namespace lua_batteries::io {

struct LookupWaiter {
  /// Starts the lookup (called when a slot is free; the waiter holds it).
  void (*start)(LookupWaiter&) = nullptr;
  void* owner = nullptr;
  LookupWaiter* next = nullptr;
  bool queued = false;
  bool holds_slot = false;
};

struct LookupGate {
  /// The limit for a threadpool of UV_THREADPOOL_SIZE threads (4 when unset).
  void init();
  /// Starts w now if a slot is free, else queues it.
  void enter(LookupWaiter& w);
  /// w's lookup is over (or it gave up waiting): its slot goes to the next
  /// waiter. No effect on a waiter neither queued nor holding a slot.
  void leave(LookupWaiter& w);

  int limit = 1;
  int running = 0;
  LookupWaiter* head = nullptr;
  LookupWaiter* tail = nullptr;
};

}  // namespace lua_batteries::io
