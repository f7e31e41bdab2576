// A set of pointers in one flat array (open addressing, linear probing,
// backward-shift deletion): no allocation per element, so marking and
// unmarking a coroutine on every suspension through it stays cheap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lua_batteries::detail {

class PointerSet {
 public:
  /// Adds `p` (not null). May throw std::bad_alloc when the table grows.
  void insert(const void* p) {
    // At most half full: erase shifts back the rest of its probe run, and
    // fuller tables make those runs, and so every unpark, several times
    // longer.
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t i = slot_of(p);
    while (slots_[i] && slots_[i] != p) i = (i + 1) & mask();
    if (!slots_[i]) {
      slots_[i] = p;
      ++size_;
    }
  }
  /// Makes room for one more element, so that the next insert() cannot
  /// throw. May throw std::bad_alloc.
  void reserve_one() {
    if ((size_ + 1) * 2 > slots_.size()) grow();
  }
  bool contains(const void* p) const {
    if (slots_.empty()) return false;
    for (std::size_t i = slot_of(p); slots_[i]; i = (i + 1) & mask())
      if (slots_[i] == p) return true;
    return false;
  }
  void erase(const void* p) {
    if (slots_.empty()) return;
    std::size_t i = slot_of(p);
    while (slots_[i] != p) {
      if (!slots_[i]) return;
      i = (i + 1) & mask();
    }
    // Shift later members of the probe run back so no tombstone is needed.
    for (std::size_t j = (i + 1) & mask(); slots_[j]; j = (j + 1) & mask()) {
      const std::size_t home = slot_of(slots_[j]);
      const bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
      if (movable) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = nullptr;
    --size_;
  }
  std::size_t size() const { return size_; }

 private:
  std::size_t mask() const { return slots_.size() - 1; }
  std::size_t slot_of(const void* p) const {
    auto x = reinterpret_cast<std::uintptr_t>(p);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x & mask();
  }
  void grow() {
    std::vector<const void*> old(slots_.empty() ? 16 : slots_.size() * 2, nullptr);
    old.swap(slots_);
    size_ = 0;
    for (const void* p : old)
      if (p) insert(p);
  }

  std::vector<const void*> slots_;
  std::size_t size_ = 0;
};

}  // namespace lua_batteries::detail
