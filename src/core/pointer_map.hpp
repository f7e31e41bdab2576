// A map from pointers to ints in one flat array (open addressing, linear
// probing, backward-shift deletion), as PointerSet: no allocation per
// element, so recording one costs a few probes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lua_batteries::detail {

class PointerMap {
 public:
  /// Maps `key` (not null) to `value`, replacing what it mapped to. May
  /// throw std::bad_alloc when the table grows (never within reserve()).
  void insert_or_assign(const void* key, int value) {
    reserve(size_ + 1);
    std::size_t i = slot_of(key);
    while (entries_[i].key && entries_[i].key != key) i = (i + 1) & mask();
    if (!entries_[i].key) {
      entries_[i].key = key;
      ++size_;
    }
    entries_[i].value = value;
  }
  /// Makes room for `count` keys in all, so that inserts up to there
  /// cannot throw. May throw std::bad_alloc.
  void reserve(std::size_t count) {
    // At most half full, as PointerSet (short probe runs).
    while (count * 2 > entries_.size()) grow();
  }
  /// What `key` maps to, or null.
  const int* find(const void* key) const {
    if (entries_.empty()) return nullptr;
    for (std::size_t i = slot_of(key); entries_[i].key; i = (i + 1) & mask())
      if (entries_[i].key == key) return &entries_[i].value;
    return nullptr;
  }
  /// Removes every entry for which drop(key, value) is true. Never
  /// allocates; drop must not throw.
  template <typename Drop>
  void erase_if(Drop&& drop) {
    // An erase shifts later members of its probe run back, possibly into
    // the slot just looked at: that slot is looked at again. One shifted
    // across the end of the table into a slot already passed was looked
    // at before it moved (its run started before the end).
    for (std::size_t i = 0; i < entries_.size();) {
      if (entries_[i].key && drop(entries_[i].key, entries_[i].value))
        erase_at(i);
      else
        ++i;
    }
  }
  std::size_t size() const { return size_; }

 private:
  struct Entry {
    const void* key = nullptr;
    int value = 0;
  };

  std::size_t mask() const { return entries_.size() - 1; }
  std::size_t slot_of(const void* key) const {
    auto x = reinterpret_cast<std::uintptr_t>(key);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x & mask();
  }
  void erase_at(std::size_t i) {
    for (std::size_t j = (i + 1) & mask(); entries_[j].key; j = (j + 1) & mask()) {
      const std::size_t home = slot_of(entries_[j].key);
      const bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
      if (movable) {
        entries_[i] = entries_[j];
        i = j;
      }
    }
    entries_[i] = Entry{};
    --size_;
  }
  void grow() {
    std::vector<Entry> old(entries_.empty() ? 16 : entries_.size() * 2);
    old.swap(entries_);
    size_ = 0;
    for (const Entry& e : old)
      if (e.key) insert_or_assign(e.key, e.value);
  }

  std::vector<Entry> entries_;
  std::size_t size_ = 0;
};

}  // namespace lua_batteries::detail
