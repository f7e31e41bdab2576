// Tests of the flat pointer map (src/core/pointer_map.hpp) against
// std::unordered_map: inserts and reassignments, reserve, and erase_if,
// whose backward shifts may carry an entry across the end of the table.
#include "core/pointer_map.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

namespace {

using lua_batteries::detail::PointerMap;

/// A fake pointer (never dereferenced), 16-byte aligned like an allocation.
const void* key(std::uintptr_t n) { return reinterpret_cast<const void*>(0x10000 + n * 16); }

void expect_same(const PointerMap& map, const std::unordered_map<const void*, int>& model,
                 const std::vector<const void*>& universe) {
  ASSERT_EQ(map.size(), model.size());
  for (const void* p : universe) {
    const int* found = map.find(p);
    const auto it = model.find(p);
    ASSERT_EQ(found != nullptr, it != model.end()) << p;
    if (found) ASSERT_EQ(*found, it->second) << p;
  }
}

TEST(PointerMapTest, AnEmptyMapFindsNothing) {
  PointerMap map;
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.find(key(1)), nullptr);
  map.erase_if([](const void*, int) { return true; });
  EXPECT_EQ(map.size(), 0u);
}

TEST(PointerMapTest, InsertingAKeyAgainReplacesItsValue) {
  PointerMap map;
  map.insert_or_assign(key(7), 1);
  map.insert_or_assign(key(7), 2);
  EXPECT_EQ(map.size(), 1u);
  ASSERT_NE(map.find(key(7)), nullptr);
  EXPECT_EQ(*map.find(key(7)), 2);
}

TEST(PointerMapTest, ReserveMakesRoomSoThatInsertsDoNotMoveEntries) {
  PointerMap map;
  map.reserve(1000);
  map.insert_or_assign(key(0), 0);
  const int* first = map.find(key(0));
  for (std::uintptr_t i = 1; i < 1000; ++i) map.insert_or_assign(key(i), static_cast<int>(i));
  // No growth happened: the first entry is where it was.
  EXPECT_EQ(map.find(key(0)), first);
  EXPECT_EQ(map.size(), 1000u);
}

TEST(PointerMapTest, EraseIfDropsExactlyTheChosenEntries) {
  constexpr std::uintptr_t kKeys = 100'000;
  PointerMap map;
  for (std::uintptr_t i = 0; i < kKeys; ++i) map.insert_or_assign(key(i), static_cast<int>(i));
  map.erase_if([](const void*, int value) { return value % 3 == 0; });
  EXPECT_EQ(map.size(), kKeys - (kKeys + 2) / 3);
  for (std::uintptr_t i = 0; i < kKeys; ++i) {
    const int* found = map.find(key(i));
    if (i % 3 == 0) {
      ASSERT_EQ(found, nullptr) << i;
    } else {
      ASSERT_NE(found, nullptr) << i;
      ASSERT_EQ(*found, static_cast<int>(i));
    }
  }
  map.erase_if([](const void*, int) { return true; });
  EXPECT_EQ(map.size(), 0u);
}

TEST(PointerMapTest, RandomOperationsMatchUnorderedMap) {
  // A small universe keeps the table small, so probe runs collide and wrap
  // around the end of the table, where erase_if shifts entries across it.
  for (std::uintptr_t universe_size : {24u, 5000u}) {
    std::vector<const void*> universe;
    for (std::uintptr_t i = 0; i < universe_size; ++i) universe.push_back(key(i));
    PointerMap map;
    std::unordered_map<const void*, int> model;
    std::mt19937_64 rng(universe_size);
    std::uniform_int_distribution<std::size_t> pick(0, universe.size() - 1);
    std::uniform_int_distribution<int> percent(0, 99);
    for (int op = 0; op < 100'000; ++op) {
      const void* p = universe[pick(rng)];
      if (percent(rng) < 97) {
        map.insert_or_assign(p, op);
        model[p] = op;
      } else {
        // Drop about half, chosen by value.
        const int parity = percent(rng) % 2;
        map.erase_if([&](const void*, int value) { return value % 2 == parity; });
        std::erase_if(model, [&](const auto& entry) { return entry.second % 2 == parity; });
        expect_same(map, model, universe);
      }
      ASSERT_EQ(map.size(), model.size()) << "operation " << op;
    }
    expect_same(map, model, universe);
  }
}

}  // namespace
