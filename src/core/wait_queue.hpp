// The FIFO of tasks waiting in a coordination primitive (a channel's
// receivers or senders, a semaphore's acquirers, an event's waiters).
//
// A WaitNode is a place in one queue. It is a plain struct with no
// constructor, so that the node of an ordinary wait lives in the waiting
// fiber's wait storage (Fiber::site_wait, runtime/wait_site.hpp) and costs
// no allocation; a wait in several queues at once (task.select) keeps its
// extra nodes elsewhere. `data` is the primitive's own word about the wait
// (what became of it).
#pragma once

#include <cstddef>
#include <cstdint>

namespace lua_batteries::detail {

struct WaitNode {
  WaitNode* prev;  // null while in no queue
  WaitNode* next;
  std::uintptr_t data;

  bool is_queued() const { return prev != nullptr; }
};

/// A FIFO of WaitNodes, circular around a sentinel. O(1) push, pop and
/// removal from anywhere; no allocation. A queue must be empty when it is
/// destroyed or moved (its nodes point at the sentinel): primitives live
/// in Lua userdata, and a waiter's stack keeps its primitive alive.
class WaitQueue {
 public:
  void init() {
    head_.prev = head_.next = &head_;
    head_.data = 0;
    size_ = 0;
  }
  bool empty() const { return head_.next == &head_; }
  std::size_t size() const { return size_; }
  WaitNode* front() const { return empty() ? nullptr : head_.next; }
  void push_back(WaitNode& node) {
    node.prev = head_.prev;
    node.next = &head_;
    head_.prev->next = &node;
    head_.prev = &node;
    ++size_;
  }
  /// Unlinks `node`, which must be in this queue.
  void remove(WaitNode& node) {
    node.prev->next = node.next;
    node.next->prev = node.prev;
    node.prev = node.next = nullptr;
    --size_;
  }
  WaitNode* pop_front() {
    WaitNode* node = front();
    if (node) remove(*node);
    return node;
  }

 private:
  WaitNode head_;
  std::size_t size_;
};

}  // namespace lua_batteries::detail
