#include "core/deadline_queue.hpp"

#include <algorithm>

#include "core/out_of_memory.hpp"

namespace lua_batteries::detail {

void DeadlineQueue::insert(DeadlineEntry& entry, std::uint64_t due_ns) {
  if (entry.is_queued()) remove(entry);
  const bool extends_run = run_front_ == run_.size() || run_.back().due_ns <= due_ns;
  if (!(extends_run && append_to_run(entry, due_ns))) {
    if (vacant_ > 0 && heap_.size() == heap_.capacity()) make_room();
    heap_.push_back(Node{due_ns, reinterpret_cast<std::uintptr_t>(&entry)});  // may throw before anything changed
    entry.index = static_cast<std::uint32_t>(heap_.size() - 1);
  }
  entry.due_ns = due_ns;
  entry.seq = next_seq_++;
  if (!(entry.index & DeadlineEntry::kInRun)) sift_up(entry.index);
}

void DeadlineQueue::remove(DeadlineEntry& entry) {
  if (!entry.is_queued()) return;
  const std::uint32_t index = entry.index;
  entry.index = DeadlineEntry::kNotQueued;
  if (index & DeadlineEntry::kInRun) {
    remove_from_run(entry, index & ~DeadlineEntry::kInRun);
    return;
  }
  if (index + 1 == heap_.size()) {  // the last slot: nothing depends on it
    heap_.pop_back();
    return;
  }
  heap_[index].ref = (entry.seq << 1) | 1;
  if (++vacant_ > heap_.size() / 2) compact();
}

DeadlineEntry* DeadlineQueue::top() {
  drop_vacant_top();
  drop_vacant_run_front();
  const bool in_run = run_front_ < run_.size();
  if (heap_.empty()) return in_run ? run_[run_front_].entry() : nullptr;
  if (in_run && earlier(run_[run_front_], heap_.front())) return run_[run_front_].entry();
  return heap_.front().entry();
}

DeadlineEntry* DeadlineQueue::pop_due(std::uint64_t now_ns) {
  DeadlineEntry* first = top();
  if (!first || first->due_ns > now_ns) return nullptr;
  if (first->index & DeadlineEntry::kInRun) {
    ++run_front_;
    drop_vacant_run_front();
  } else {
    pop_root();
  }
  first->index = DeadlineEntry::kNotQueued;
  return first;
}

void DeadlineQueue::pop_root() {
  const Node last = heap_.back();
  heap_.pop_back();
  if (heap_.empty()) return;
  place(0, last);
  sift_down(0);
}

void DeadlineQueue::drop_vacant_top() {
  while (!heap_.empty() && heap_.front().vacant()) {
    --vacant_;
    pop_root();
  }
}

void DeadlineQueue::make_room() {
  // A rebuild is O(n): it pays only when it frees a good share of the
  // array (so that alternating removes and inserts at full capacity do not
  // rebuild every time); otherwise the array grows. Short of memory, the
  // vacant room is used anyway, so that after reserve(n) n queued entries
  // always fit.
  if (vacant_ * 4 >= heap_.size()) {
    compact();
    return;
  }
  if (!allocation_succeeded([&] { heap_.reserve(heap_.size() * 2); })) compact();
}

void DeadlineQueue::compact() {
  std::erase_if(heap_, [](const Node& n) { return n.vacant(); });
  vacant_ = 0;
  std::make_heap(heap_.begin(), heap_.end(), [](const Node& a, const Node& b) { return earlier(b, a); });
  for (std::uint32_t i = 0; i < heap_.size(); ++i) heap_[i].entry()->index = i;
}

void DeadlineQueue::sift_up(std::uint32_t index) {
  const Node node = heap_[index];
  while (index > 0) {
    const std::uint32_t parent = (index - 1) / 2;
    if (!earlier(node, heap_[parent])) break;
    place(index, heap_[parent]);
    index = parent;
  }
  place(index, node);
}

void DeadlineQueue::sift_down(std::uint32_t index) {
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

// --- the run -------------------------------------------------------------------

bool DeadlineQueue::append_to_run(DeadlineEntry& entry, std::uint64_t due_ns) {
  if (run_.size() == run_.capacity()) {
    // Reclaiming consumed and vacant slots is O(n): it pays only when it
    // frees a good share of the array; otherwise the array doubles.
    if ((run_front_ + run_vacant_) * 4 >= run_.size() && run_front_ + run_vacant_ > 0) {
      compact_run();
    } else {
      if (!allocation_succeeded([&] { run_.reserve(run_.size() < 64 ? 64 : run_.size() * 2); })) {
        if (run_front_ + run_vacant_ == 0) return false;  // the heap takes it
        compact_run();
      }
    }
  }
  run_.push_back(Node{due_ns, reinterpret_cast<std::uintptr_t>(&entry)});  // within capacity: no throw
  entry.index = static_cast<std::uint32_t>(run_.size() - 1) | DeadlineEntry::kInRun;
  return true;
}

void DeadlineQueue::remove_from_run(DeadlineEntry& entry, std::uint32_t slot) {
  if (slot + 1 == run_.size()) {  // the last slot: drop it, and vacant ones before it
    run_.pop_back();
    while (run_.size() > run_front_ && run_.back().vacant()) {
      run_.pop_back();
      --run_vacant_;
    }
    drop_vacant_run_front();
    return;
  }
  run_[slot].ref = (entry.seq << 1) | 1;
  ++run_vacant_;
  if (slot == run_front_) {  // cancelling in due order leaves nothing behind
    drop_vacant_run_front();
    return;
  }
  if (run_vacant_ > (run_.size() - run_front_) / 2) compact_run();
}

void DeadlineQueue::drop_vacant_run_front() {
  while (run_front_ < run_.size() && run_[run_front_].vacant()) {
    ++run_front_;
    --run_vacant_;
  }
  if (run_front_ == run_.size()) {
    run_.clear();  // keeps the capacity
    run_front_ = 0;
  }
}

void DeadlineQueue::compact_run() {
  std::size_t to = 0;
  for (std::size_t from = run_front_; from < run_.size(); ++from) {
    const Node node = run_[from];
    if (node.vacant()) continue;
    node.entry()->index = static_cast<std::uint32_t>(to) | DeadlineEntry::kInRun;
    run_[to++] = node;
  }
  run_.resize(to);
  run_front_ = 0;
  run_vacant_ = 0;
}

}  // namespace lua_batteries::detail
