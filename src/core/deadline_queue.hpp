// One structure for every deadline of a runtime (sleeps, with_timeout
// deadlines and grace windows), ordered by (due, seq) so that equal
// deadlines fire in the order they were set. Entries are embedded in their
// owners and know their slot; nothing allocates beyond two arrays.
//
// Two parts, and the earliest entry is whichever of their fronts comes
// first:
// - The run: deadlines set in order (each due no earlier than the last
//   one in the run) are appended to a sorted array and leave from its
//   front, O(1) each. This is the common case: many tasks sleeping the
//   same time, or timeouts of one length, set one after another.
// - A binary min-heap for the rest: O(log n) insert and pop.
//
// Removal is lazy in both: it only marks the entry's slot as vacant, which
// is O(1) and touches no other entry. Vacant slots keep their place in the
// order and are dropped when they reach the front, or all at once (an O(n)
// rebuild) when they outnumber the queued entries. Cancelling many
// sleepers at once (a scope of sleeping tasks) thus costs no sifting.
#pragma once

#include <cstdint>
#include <vector>

namespace lua_batteries::detail {

/// A deadline embedded in its owner; `fire` finds the owner from the
/// entry's address (container_of).
struct DeadlineEntry {
  static constexpr std::uint32_t kNotQueued = UINT32_MAX;
  static constexpr std::uint32_t kInRun = 1u << 31;  // index & ~kInRun is a run slot
  using FireFn = void (*)(DeadlineEntry&);

  explicit DeadlineEntry(FireFn fire_fn = nullptr) : fire(fire_fn) {}
  bool is_queued() const { return index != kNotQueued; }

  std::uint64_t due_ns = 0;
  std::uint64_t seq = 0;
  std::uint32_t index = kNotQueued;
  FireFn fire;
};

class DeadlineQueue {
 public:
  /// Queues `entry` (re-queues it if queued) to fire at `due_ns`.
  /// May throw std::bad_alloc when an array grows.
  void insert(DeadlineEntry& entry, std::uint64_t due_ns);
  /// Unqueues `entry`; no effect if it is not queued. Never throws.
  void remove(DeadlineEntry& entry);
  /// The earliest queued entry, or null. Drops vacant slots from the top.
  DeadlineEntry* top();
  /// Unqueues and returns the earliest entry due at or before `now_ns`.
  DeadlineEntry* pop_due(std::uint64_t now_ns);
  /// Queued entries (vacant slots do not count).
  std::size_t size() const { return heap_.size() - vacant_ + run_.size() - run_front_ - run_vacant_; }
  bool empty() const { return size() == 0; }
  /// Ensures room for `n` entries so that later inserts cannot throw (an
  /// entry the run has no room for goes to the heap).
  void reserve(std::size_t n) { heap_.reserve(n); }
  /// Slots in the heap's array, vacant ones included (for tests).
  std::size_t heap_slots() const { return heap_.size(); }
  /// Slots the run holds, consumed and vacant ones included (for tests).
  std::size_t run_slots() const { return run_.size(); }

 private:
  // The due time is copied into the heap array, so sifting compares
  // neighbouring slots instead of chasing a pointer per comparison (the
  // entries live all over the heap, in their owners). Only ties read seq.
  // A vacant slot holds its former entry's seq, tagged in the low bit of
  // the pointer's place (entries are aligned, so a pointer's low bit is 0):
  // its key stays what it was, so the heap order needs no repair.
  struct Node {
    std::uint64_t due_ns;
    std::uintptr_t ref;

    bool vacant() const { return (ref & 1) != 0; }
    DeadlineEntry* entry() const { return reinterpret_cast<DeadlineEntry*>(ref); }
    std::uint64_t seq() const { return vacant() ? ref >> 1 : entry()->seq; }
  };
  static_assert(sizeof(std::uintptr_t) >= sizeof(std::uint64_t), "a vacant slot's seq must fit in a pointer");
  static_assert(alignof(DeadlineEntry) > 1, "a pointer to an entry has a free low bit");

  static bool earlier(const Node& a, const Node& b) {
    return a.due_ns != b.due_ns ? a.due_ns < b.due_ns : a.seq() < b.seq();
  }
  void place(std::uint32_t index, const Node& node) {
    heap_[index] = node;
    if (!node.vacant()) node.entry()->index = index;
  }
  void sift_up(std::uint32_t index);
  void sift_down(std::uint32_t index);
  void pop_root();
  void drop_vacant_top();
  void make_room();
  void compact();

  // The run. Returns false, changing nothing, when there is no room.
  bool append_to_run(DeadlineEntry& entry, std::uint64_t due_ns);
  void remove_from_run(DeadlineEntry& entry, std::uint32_t slot);
  /// Moves run_front_ past vacant slots; an empty run starts over.
  void drop_vacant_run_front();
  /// Moves the queued entries to the start of the run's array.
  void compact_run();

  std::vector<Node> heap_;
  std::size_t vacant_ = 0;
  // Sorted by (due, seq); slots before run_front_ are consumed.
  std::vector<Node> run_;
  std::size_t run_front_ = 0;
  std::size_t run_vacant_ = 0;  // vacant slots at or after run_front_
  std::uint64_t next_seq_ = 0;
};

}  // namespace lua_batteries::detail
