#include "core/deadline_heap.hpp"

namespace lua_batteries::detail {

void DeadlineHeap::insert(DeadlineEntry& entry, std::uint64_t due_ns) {
  if (entry.is_queued()) remove(entry);
  heap_.push_back(Node{due_ns, &entry});  // may throw before anything changed
  entry.due_ns = due_ns;
  entry.seq = next_seq_++;
  entry.index = static_cast<std::uint32_t>(heap_.size() - 1);
  sift_up(entry.index);
}

void DeadlineHeap::remove(DeadlineEntry& entry) {
  if (!entry.is_queued()) return;
  const std::uint32_t index = entry.index;
  const Node last = heap_.back();
  heap_.pop_back();
  entry.index = DeadlineEntry::kNotQueued;
  if (last.entry == &entry) return;
  place(index, last);
  if (index > 0 && earlier(last, heap_[(index - 1) / 2]))
    sift_up(index);
  else
    sift_down(index);
}

DeadlineEntry* DeadlineHeap::pop_due(std::uint64_t now_ns) {
  if (heap_.empty() || heap_.front().due_ns > now_ns) return nullptr;
  DeadlineEntry* first = heap_.front().entry;
  remove(*first);
  return first;
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
