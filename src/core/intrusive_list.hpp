// Intrusive circular doubly-linked list: O(1) insert and unlink without
// allocation. An element embeds one ListHook per list it can be on; the
// list finds the element from the hook's address (container_of), so a
// hook is two pointers. A hook unlinks itself, so an element can leave
// whichever list holds it.
#pragma once

#include "core/container_of.hpp"

namespace lua_batteries::detail {

struct ListHook {
  ListHook* prev = this;
  ListHook* next = this;

  ListHook() = default;
  ListHook(const ListHook&) = delete;
  ListHook& operator=(const ListHook&) = delete;
  ~ListHook() { unlink(); }

  bool is_linked() const { return next != this; }
  void unlink() {
    prev->next = next;
    next->prev = prev;
    prev = next = this;
  }
  void insert_before(ListHook& at) {
    unlink();
    prev = at.prev;
    next = &at;
    at.prev->next = this;
    at.prev = this;
  }
};

/// A list of T linked through T's hook member `Hook`.
template <typename T, ListHook T::*Hook>
class IntrusiveList {
 public:
  IntrusiveList() = default;
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;
  ~IntrusiveList() { clear(); }

  bool empty() const { return !head_.is_linked(); }
  void push_back(T& item) { (item.*Hook).insert_before(head_); }
  void push_front(T& item) { (item.*Hook).insert_before(*head_.next); }
  T* front() const { return empty() ? nullptr : from_hook(head_.next); }
  T* pop_front() {
    T* item = front();
    if (item) (item->*Hook).unlink();
    return item;
  }
  static void remove(T& item) { (item.*Hook).unlink(); }
  /// Moves every element of `other` to the back of this list.
  void splice_back(IntrusiveList& other) {
    if (other.empty()) return;
    ListHook* first = other.head_.next;
    ListHook* last = other.head_.prev;
    other.head_.prev = other.head_.next = &other.head_;
    first->prev = head_.prev;
    last->next = &head_;
    head_.prev->next = first;
    head_.prev = last;
  }
  /// Moves every element of `other` to the front of this list, in order.
  void splice_front(IntrusiveList& other) {
    if (other.empty()) return;
    ListHook* first = other.head_.next;
    ListHook* last = other.head_.prev;
    other.head_.prev = other.head_.next = &other.head_;
    last->next = head_.next;
    first->prev = &head_;
    head_.next->prev = last;
    head_.next = first;
  }
  void clear() {
    while (!empty()) head_.next->unlink();
  }
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (ListHook* h = head_.next; h != &head_;) {
      ListHook* next = h->next;
      fn(*from_hook(h));
      h = next;
    }
  }

 private:
  static T* from_hook(ListHook* hook) { return &container_of(*hook, Hook); }
  ListHook head_;
};

}  // namespace lua_batteries::detail
