// Tests of the flat pointer set (src/core/pointer_set.hpp) against
// std::unordered_set: inserts, erases (also of absent keys), growth, and
// the backward-shift deletion across the end of the table.
#include "core/pointer_set.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <unordered_set>
#include <vector>

namespace {

using lua_batteries::detail::PointerSet;

/// A fake pointer (never dereferenced), 16-byte aligned like an allocation.
const void* key(std::uintptr_t n) { return reinterpret_cast<const void*>(0x10000 + n * 16); }

/// Compares every key of `universe` between the set and the model.
void expect_same(const PointerSet& set, const std::unordered_set<const void*>& model,
                 const std::vector<const void*>& universe) {
  ASSERT_EQ(set.size(), model.size());
  for (const void* p : universe) ASSERT_EQ(set.contains(p), model.count(p) == 1) << p;
}

TEST(PointerSetTest, AnEmptySetContainsNothingAndErasesNothing) {
  PointerSet set;
  EXPECT_EQ(set.size(), 0u);
  EXPECT_FALSE(set.contains(key(1)));
  set.erase(key(1));
  EXPECT_EQ(set.size(), 0u);
}

TEST(PointerSetTest, InsertingTwiceKeepsOneCopy) {
  PointerSet set;
  set.insert(key(7));
  set.insert(key(7));
  EXPECT_EQ(set.size(), 1u);
  set.erase(key(7));
  EXPECT_FALSE(set.contains(key(7)));
  EXPECT_EQ(set.size(), 0u);
}

TEST(PointerSetTest, ErasingAnAbsentKeyLeavesTheOthers) {
  PointerSet set;
  for (std::uintptr_t i = 0; i < 10; ++i) set.insert(key(i));
  set.erase(key(1000));
  EXPECT_EQ(set.size(), 10u);
  for (std::uintptr_t i = 0; i < 10; ++i) EXPECT_TRUE(set.contains(key(i)));
}

TEST(PointerSetTest, GrowsToAHundredThousandKeysAndShrinksToNone) {
  constexpr std::uintptr_t kKeys = 100'000;
  PointerSet set;
  for (std::uintptr_t i = 0; i < kKeys; ++i) {
    set.insert(key(i));
    ASSERT_EQ(set.size(), i + 1);
  }
  for (std::uintptr_t i = 0; i < kKeys; ++i) ASSERT_TRUE(set.contains(key(i))) << i;
  EXPECT_FALSE(set.contains(key(kKeys)));
  // Erase every other key, then the rest, checking membership on the way.
  for (std::uintptr_t i = 0; i < kKeys; i += 2) set.erase(key(i));
  EXPECT_EQ(set.size(), kKeys / 2);
  for (std::uintptr_t i = 0; i < kKeys; ++i) ASSERT_EQ(set.contains(key(i)), i % 2 == 1) << i;
  for (std::uintptr_t i = 1; i < kKeys; i += 2) set.erase(key(i));
  EXPECT_EQ(set.size(), 0u);
  for (std::uintptr_t i = 0; i < kKeys; ++i) ASSERT_FALSE(set.contains(key(i))) << i;
}

/// Random inserts and erases over a universe of `universe_size` keys.
void run_random_model(std::uint64_t seed, std::uintptr_t universe_size, int operations, int insert_percent) {
  std::vector<const void*> universe;
  for (std::uintptr_t i = 0; i < universe_size; ++i) universe.push_back(key(i));
  // Real pointers from the heap mixed in: their low bits differ.
  std::vector<std::unique_ptr<int>> owned;
  for (int i = 0; i < 64; ++i) {
    owned.push_back(std::make_unique<int>(i));
    universe.push_back(owned.back().get());
  }
  PointerSet set;
  std::unordered_set<const void*> model;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, universe.size() - 1);
  std::uniform_int_distribution<int> percent(0, 99);
  for (int op = 0; op < operations; ++op) {
    const void* p = universe[pick(rng)];
    if (percent(rng) < insert_percent) {
      set.insert(p);
      model.insert(p);
    } else {
      set.erase(p);  // often absent
      model.erase(p);
    }
    ASSERT_EQ(set.size(), model.size()) << "operation " << op;
    ASSERT_EQ(set.contains(p), model.count(p) == 1) << "operation " << op;
    if (op % 997 == 0) expect_same(set, model, universe);
  }
  expect_same(set, model, universe);
}

TEST(PointerSetTest, RandomOperationsOnAFewKeysMatchUnorderedSet) {
  // A small universe keeps the table small, so probe runs collide, wrap
  // around the end of the table and are shifted back often.
  run_random_model(1, 24, 200'000, 50);
}

TEST(PointerSetTest, RandomOperationsOnManyKeysMatchUnorderedSet) {
  run_random_model(2, 20'000, 200'000, 60);
}

TEST(PointerSetTest, RandomOperationsThatMostlyEraseMatchUnorderedSet) {
  run_random_model(3, 2'000, 100'000, 35);
}

TEST(PointerSetTest, GrowthInTheMiddleOfRandomOperationsKeepsEveryKey) {
  // Phases of net growth and net shrinkage over one universe.
  std::vector<const void*> universe;
  for (std::uintptr_t i = 0; i < 5'000; ++i) universe.push_back(key(i * 7919));
  PointerSet set;
  std::unordered_set<const void*> model;
  std::mt19937_64 rng(4);
  std::uniform_int_distribution<std::size_t> pick(0, universe.size() - 1);
  std::uniform_int_distribution<int> percent(0, 99);
  for (int phase = 0; phase < 6; ++phase) {
    const int insert_percent = phase % 2 == 0 ? 85 : 15;
    for (int op = 0; op < 20'000; ++op) {
      const void* p = universe[pick(rng)];
      if (percent(rng) < insert_percent) {
        set.insert(p);
        model.insert(p);
      } else {
        set.erase(p);
        model.erase(p);
      }
    }
    expect_same(set, model, universe);
  }
}

}  // namespace
