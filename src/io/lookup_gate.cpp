#include "io/lookup_gate.hpp"

#include <cstdlib>

namespace lua_batteries::io {

void LookupGate::init() {
  // libuv reads the same variable, once, when the pool first starts.
  int size = 4;
  if (const char* v = std::getenv("UV_THREADPOOL_SIZE")) {
    size = std::atoi(v);
    if (size < 1) size = 1;
    if (size > 1024) size = 1024;
  }
  limit = size > 1 ? size - 1 : 1;
  running = 0;
  head = tail = nullptr;
}

void LookupGate::enter(LookupWaiter& w) {
  if (running < limit) {
    ++running;
    w.holds_slot = true;
    w.start(w);
    return;
  }
  w.queued = true;
  w.next = nullptr;
  if (tail)
    tail->next = &w;
  else
    head = &w;
  tail = &w;
}

void LookupGate::leave(LookupWaiter& w) {
  if (w.queued) {
    LookupWaiter** p = &head;
    LookupWaiter* prev = nullptr;
    while (*p && *p != &w) {
      prev = *p;
      p = &(*p)->next;
    }
    if (*p) *p = w.next;
    if (tail == &w) tail = prev;
    w.queued = false;
    w.next = nullptr;
    return;
  }
  if (!w.holds_slot) return;
  w.holds_slot = false;
  --running;
  while (running < limit && head) {
    LookupWaiter* next = head;
    head = next->next;
    if (!head) tail = nullptr;
    next->queued = false;
    next->next = nullptr;
    ++running;
    next->holds_slot = true;
    next->start(*next);  // may leave at once (a lookup that failed to start)
  }
}

}  // namespace lua_batteries::io
