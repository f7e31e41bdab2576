#include "core/deadline_heap.hpp"

namespace lua_batteries::detail {

void DeadlineHeap::insert(DeadlineEntry& entry, std::uint64_t due_ns) {
  if (entry.is_queued()) remove(entry);
  heap_.push_back(&entry);  // may throw before anything changed
  entry.due_ns = due_ns;
  entry.seq = next_seq_++;
  entry.index = static_cast<std::uint32_t>(heap_.size() - 1);
  sift_up(entry.index);
}

void DeadlineHeap::remove(DeadlineEntry& entry) {
  if (!entry.is_queued()) return;
  const std::uint32_t index = entry.index;
  DeadlineEntry* last = heap_.back();
  heap_.pop_back();
  entry.index = DeadlineEntry::kNotQueued;
  if (last == &entry) return;
  place(index, last);
  if (index > 0 && earlier(last, heap_[(index - 1) / 2]))
    sift_up(index);
  else
    sift_down(index);
}

DeadlineEntry* DeadlineHeap::pop_due(std::uint64_t now_ns) {
  DeadlineEntry* first = top();
  if (!first || first->due_ns > now_ns) return nullptr;
  remove(*first);
  return first;
}

void DeadlineHeap::sift_up(std::uint32_t index) {
  DeadlineEntry* entry = heap_[index];
  while (index > 0) {
    const std::uint32_t parent = (index - 1) / 2;
    if (!earlier(entry, heap_[parent])) break;
    place(index, heap_[parent]);
    index = parent;
  }
  place(index, entry);
}

void DeadlineHeap::sift_down(std::uint32_t index) {
  DeadlineEntry* entry = heap_[index];
  const auto size = static_cast<std::uint32_t>(heap_.size());
  for (;;) {
    std::uint32_t child = 2 * index + 1;
    if (child >= size) break;
    if (child + 1 < size && earlier(heap_[child + 1], heap_[child])) ++child;
    if (!earlier(heap_[child], entry)) break;
    place(index, heap_[child]);
    index = child;
  }
  place(index, entry);
}

}  // namespace lua_batteries::detail
