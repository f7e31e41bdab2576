// One structure for every deadline of a runtime (sleeps, with_timeout
// deadlines and grace windows): a binary min-heap ordered by (due, seq), so
// equal deadlines fire in the order they were set. Entries are embedded in
// their owners and know their heap slot: insert and remove are O(log n)
// with no allocation beyond the heap's own array.
#pragma once

#include <cstdint>
#include <vector>

namespace lua_batteries::detail {

struct DeadlineEntry {
  static constexpr std::uint32_t kNotQueued = UINT32_MAX;
  using FireFn = void (*)(DeadlineEntry&);

  explicit DeadlineEntry(FireFn fire_fn = nullptr, void* owner_ptr = nullptr)
      : fire(fire_fn), owner(owner_ptr) {}
  bool is_queued() const { return index != kNotQueued; }

  std::uint64_t due_ns = 0;
  std::uint64_t seq = 0;
  std::uint32_t index = kNotQueued;
  FireFn fire;
  void* owner;
};

class DeadlineHeap {
 public:
  /// Queues `entry` (re-queues it if queued) to fire at `due_ns`.
  /// May throw std::bad_alloc when the heap array grows.
  void insert(DeadlineEntry& entry, std::uint64_t due_ns);
  /// Unqueues `entry`; no effect if it is not queued.
  void remove(DeadlineEntry& entry);
  /// The earliest entry, or null.
  DeadlineEntry* top() const { return heap_.empty() ? nullptr : heap_.front().entry; }
  /// Unqueues and returns the earliest entry due at or before `now_ns`.
  DeadlineEntry* pop_due(std::uint64_t now_ns);
  std::size_t size() const { return heap_.size(); }
  bool empty() const { return heap_.empty(); }
  /// Ensures room for `n` entries so that later inserts cannot throw.
  void reserve(std::size_t n) { heap_.reserve(n); }

 private:
  // The due time is copied into the heap array, so sifting compares
  // neighbouring slots instead of chasing a pointer per comparison (the
  // entries live all over the heap, in their owners). Only ties read seq.
  struct Node {
    std::uint64_t due_ns;
    DeadlineEntry* entry;
  };
  static bool earlier(const Node& a, const Node& b) {
    return a.due_ns != b.due_ns ? a.due_ns < b.due_ns : a.entry->seq < b.entry->seq;
  }
  void place(std::uint32_t index, const Node& node) {
    heap_[index] = node;
    node.entry->index = index;
  }
  void sift_up(std::uint32_t index);
  void sift_down(std::uint32_t index);

  std::vector<Node> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace lua_batteries::detail
