#include "core/deadline_heap.hpp"

#include <algorithm>
#include <new>

namespace lua_batteries::detail {

void DeadlineHeap::insert(DeadlineEntry& entry, std::uint64_t due_ns) {
  if (entry.is_queued()) remove(entry);
  if (vacant_ > 0 && heap_.size() == heap_.capacity()) make_room();
  heap_.push_back(Node{due_ns, reinterpret_cast<std::uintptr_t>(&entry)});  // may throw before anything changed
  entry.due_ns = due_ns;
  entry.seq = next_seq_++;
  entry.index = static_cast<std::uint32_t>(heap_.size() - 1);
  sift_up(entry.index);
}

void DeadlineHeap::remove(DeadlineEntry& entry) {
  if (!entry.is_queued()) return;
  const std::uint32_t index = entry.index;
  entry.index = DeadlineEntry::kNotQueued;
  if (index + 1 == heap_.size()) {  // the last slot: nothing depends on it
    heap_.pop_back();
    return;
  }
  heap_[index].ref = (entry.seq << 1) | 1;
  if (++vacant_ > heap_.size() / 2) compact();
}

DeadlineEntry* DeadlineHeap::top() {
  drop_vacant_top();
  return heap_.empty() ? nullptr : heap_.front().entry();
}

DeadlineEntry* DeadlineHeap::pop_due(std::uint64_t now_ns) {
  drop_vacant_top();
  if (heap_.empty() || heap_.front().due_ns > now_ns) return nullptr;
  DeadlineEntry* first = heap_.front().entry();
  first->index = DeadlineEntry::kNotQueued;
  pop_root();
  return first;
}

void DeadlineHeap::pop_root() {
  const Node last = heap_.back();
  heap_.pop_back();
  if (heap_.empty()) return;
  place(0, last);
  sift_down(0);
}

void DeadlineHeap::drop_vacant_top() {
  while (!heap_.empty() && heap_.front().vacant()) {
    --vacant_;
    pop_root();
  }
}

void DeadlineHeap::make_room() {
  // A rebuild is O(n): it pays only when it frees a good share of the
  // array (so that alternating removes and inserts at full capacity do not
  // rebuild every time); otherwise the array grows. Short of memory, the
  // vacant room is used anyway, so that after reserve(n) n queued entries
  // always fit.
  if (vacant_ * 4 >= heap_.size()) {
    compact();
    return;
  }
  try {
    heap_.reserve(heap_.size() * 2);
  } catch (const std::bad_alloc&) {
    compact();
  }
}

void DeadlineHeap::compact() {
  std::erase_if(heap_, [](const Node& n) { return n.vacant(); });
  vacant_ = 0;
  std::make_heap(heap_.begin(), heap_.end(), [](const Node& a, const Node& b) { return earlier(b, a); });
  for (std::uint32_t i = 0; i < heap_.size(); ++i) heap_[i].entry()->index = i;
}

void DeadlineHeap::sift_up(std::uint32_t index) {
  const Node node = heap_[index];
  while (index > 0) {
    const std::uint32_t parent = (index - 1) / 2;
    if (!earlier(node, heap_[parent])) break;
    place(index, heap_[parent]);
    index = parent;
  }
  place(index, node);
}

void DeadlineHeap::sift_down(std::uint32_t index) {
  const Node node = heap_[index];
  const auto size = static_cast<std::uint32_t>(heap_.size());
  for (;;) {
    std::uint32_t child = 2 * index + 1;
    if (child >= size) break;
    if (child + 1 < size && earlier(heap_[child + 1], heap_[child])) ++child;
    if (!earlier(heap_[child], node)) break;
    place(index, heap_[child]);
    index = child;
  }
  place(index, node);
}

}  // namespace lua_batteries::detail
