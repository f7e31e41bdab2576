// Tests of the deadline queue (src/core/deadline_queue.hpp): order by due
// time, then by insertion, under inserts, removes from anywhere, re-inserts
// and pops, checked against a std::multiset model, across its two parts
// (the run of deadlines set in order, and the heap); removal leaves vacant
// slots that are dropped at the front or compacted away.
#include "core/deadline_queue.hpp"
#include "core/container_of.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <utility>
#include <vector>

namespace {

using lua_batteries::detail::DeadlineEntry;
using lua_batteries::detail::DeadlineQueue;
using lua_batteries::detail::container_of;

/// A pool of entries with stable addresses, each embedded in an owner
/// that holds its index (found back through container_of, as the runtime
/// finds a fiber or scope from its entry).
class Entries {
 public:
  explicit Entries(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) owners_.push_back(std::make_unique<Owner>(i));
  }
  DeadlineEntry& operator[](std::size_t i) { return owners_[i]->entry; }
  std::size_t size() const { return owners_.size(); }
  static std::size_t id(DeadlineEntry* e) { return container_of(*e, &Owner::entry).id; }

 private:
  struct Owner {
    explicit Owner(std::size_t i) : id(i) {}
    std::size_t id;
    DeadlineEntry entry{&Entries::fire};
  };
  static void fire(DeadlineEntry&) {}
  std::vector<std::unique_ptr<Owner>> owners_;
};

/// Pops everything due at `now` and returns the entries' ids in order.
std::vector<std::size_t> drain(DeadlineQueue& queue, std::uint64_t now) {
  std::vector<std::size_t> ids;
  while (DeadlineEntry* e = queue.pop_due(now)) {
    EXPECT_FALSE(e->is_queued());
    ids.push_back(Entries::id(e));
  }
  return ids;
}

TEST(DeadlineQueueTest, AnEmptyHeapHasNoTopAndPopsNothing) {
  DeadlineQueue queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.top(), nullptr);
  EXPECT_EQ(queue.pop_due(UINT64_MAX), nullptr);
}

TEST(DeadlineQueueTest, EntriesComeOutInDueOrder) {
  Entries e(5);
  DeadlineQueue queue;
  const std::uint64_t due[] = {50, 10, 40, 20, 30};
  for (std::size_t i = 0; i < 5; ++i) queue.insert(e[i], due[i]);
  EXPECT_EQ(queue.size(), 5u);
  EXPECT_EQ(drain(queue, UINT64_MAX), (std::vector<std::size_t>{1, 3, 4, 2, 0}));
  EXPECT_TRUE(queue.empty());
}

TEST(DeadlineQueueTest, EqualDeadlinesFireInInsertionOrder) {
  Entries e(100);
  DeadlineQueue queue;
  // Insert in a scrambled index order, all at the same due time.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < 100; ++i) order.push_back((i * 37) % 100);
  for (std::size_t i : order) queue.insert(e[i], 1000);
  EXPECT_EQ(drain(queue, 1000), order);
}

TEST(DeadlineQueueTest, EqualDeadlinesInterleavedWithOthersKeepInsertionOrder) {
  Entries e(6);
  DeadlineQueue queue;
  queue.insert(e[0], 20);
  queue.insert(e[1], 10);
  queue.insert(e[2], 20);
  queue.insert(e[3], 10);
  queue.insert(e[4], 20);
  queue.insert(e[5], 5);
  EXPECT_EQ(drain(queue, UINT64_MAX), (std::vector<std::size_t>{5, 1, 3, 0, 2, 4}));
}

TEST(DeadlineQueueTest, PopDueRespectsNow) {
  Entries e(3);
  DeadlineQueue queue;
  queue.insert(e[0], 10);
  queue.insert(e[1], 20);
  queue.insert(e[2], 30);
  EXPECT_EQ(queue.pop_due(9), nullptr);
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(drain(queue, 20), (std::vector<std::size_t>{0, 1}));  // due == now is due
  EXPECT_EQ(queue.pop_due(29), nullptr);
  ASSERT_NE(queue.top(), &e[0]);
  EXPECT_EQ(queue.top(), &e[2]);
  EXPECT_TRUE(e[2].is_queued());
  EXPECT_EQ(drain(queue, UINT64_MAX), (std::vector<std::size_t>{2}));
}

TEST(DeadlineQueueTest, ReinsertingAQueuedEntryMovesIt) {
  Entries e(3);
  DeadlineQueue queue;
  queue.insert(e[0], 10);
  queue.insert(e[1], 20);
  queue.insert(e[2], 30);
  queue.insert(e[0], 25);  // later
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.top(), &e[1]);
  queue.insert(e[2], 5);  // earlier
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(e[0].due_ns, 25u);
  EXPECT_EQ(drain(queue, UINT64_MAX), (std::vector<std::size_t>{2, 1, 0}));
}

TEST(DeadlineQueueTest, ReinsertingAtTheSameDueTimeGoesBehindItsEquals) {
  Entries e(3);
  DeadlineQueue queue;
  queue.insert(e[0], 10);
  queue.insert(e[1], 10);
  queue.insert(e[2], 10);
  queue.insert(e[0], 10);
  EXPECT_EQ(drain(queue, UINT64_MAX), (std::vector<std::size_t>{1, 2, 0}));
}

TEST(DeadlineQueueTest, RemovingAnUnqueuedEntryHasNoEffect) {
  Entries e(2);
  DeadlineQueue queue;
  queue.insert(e[0], 10);
  queue.remove(e[1]);
  EXPECT_EQ(queue.size(), 1u);
  queue.remove(e[0]);
  queue.remove(e[0]);
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(e[0].is_queued());
}

TEST(DeadlineQueueTest, RemovingFromTheMiddleKeepsTheOrder) {
  Entries e(7);
  DeadlineQueue queue;
  for (std::size_t i = 0; i < 7; ++i) queue.insert(e[i], 10 * (i + 1));
  queue.remove(e[3]);
  queue.remove(e[1]);
  queue.remove(e[6]);  // the last slot
  EXPECT_EQ(drain(queue, UINT64_MAX), (std::vector<std::size_t>{0, 2, 4, 5}));
}

TEST(DeadlineQueueTest, RemovingAnEntryWhoseReplacementMustMoveUpKeepsTheOrder) {
  // The last element moved into the hole can be earlier than the hole's
  // parent (it comes from another subtree): it must sift up, not down.
  Entries e(7);
  DeadlineQueue queue;
  // Inserted in this order the heap array is [1, 100, 2, 101, 102, 3, 4].
  const std::uint64_t due[] = {1, 100, 2, 101, 102, 3, 4};
  for (std::size_t i = 0; i < 7; ++i) queue.insert(e[i], due[i]);
  // Removing 101 (slot 3) moves 4 (slot 6) there, below 100 (slot 1).
  queue.remove(e[3]);
  EXPECT_EQ(drain(queue, UINT64_MAX), (std::vector<std::size_t>{0, 2, 5, 6, 1, 4}));
}

TEST(DeadlineQueueTest, RemovingManyKeepsTheRestInOrderAndCompactsTheArray) {
  constexpr std::size_t kEntries = 1000;
  Entries e(kEntries);
  DeadlineQueue queue;
  // Due times scrambled, with ties, so the survivors sit all over the array.
  for (std::size_t i = 0; i < kEntries; ++i) queue.insert(e[i], (i * 7919) % 300);
  // Remove all but every tenth entry, in a scrambled order.
  std::vector<std::size_t> kept;
  for (std::size_t k = 0; k < kEntries; ++k) {
    const std::size_t i = (k * 613) % kEntries;
    if (i % 10 == 0) continue;
    queue.remove(e[i]);
    EXPECT_FALSE(e[i].is_queued());
    // Vacant slots never outnumber the queued entries for long.
    ASSERT_LE(queue.heap_slots(), 2 * queue.size() + 1) << "after removing " << i;
  }
  EXPECT_EQ(queue.size(), kEntries / 10);
  for (std::size_t i = 0; i < kEntries; i += 10) {
    EXPECT_TRUE(e[i].is_queued());
    kept.push_back(i);
  }
  std::stable_sort(kept.begin(), kept.end(), [&](std::size_t a, std::size_t b) { return e[a].due_ns < e[b].due_ns; });
  EXPECT_EQ(drain(queue, UINT64_MAX), kept);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.heap_slots(), 0u);
}

TEST(DeadlineQueueTest, RemovingEverythingLeavesAnEmptyHeap) {
  Entries e(100);
  DeadlineQueue queue;
  for (std::size_t i = 0; i < 100; ++i) queue.insert(e[i], 1000 - i);
  for (std::size_t i = 0; i < 100; ++i) queue.remove(e[i]);  // the latest first
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.top(), nullptr);
  EXPECT_EQ(queue.pop_due(UINT64_MAX), nullptr);
  EXPECT_EQ(queue.heap_slots(), 0u);
}

TEST(DeadlineQueueTest, ARemovedEarliestEntryIsSkippedByTopAndPop) {
  Entries e(4);
  DeadlineQueue queue;
  queue.insert(e[0], 10);
  queue.insert(e[1], 20);
  queue.insert(e[2], 30);
  queue.insert(e[3], 40);
  queue.remove(e[0]);  // the root: left vacant
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(queue.pop_due(15), nullptr);  // nothing queued is due at 15
  EXPECT_EQ(queue.top(), &e[1]);
  queue.remove(e[1]);
  queue.insert(e[0], 25);  // between two others, after two removals
  EXPECT_EQ(drain(queue, UINT64_MAX), (std::vector<std::size_t>{0, 2, 3}));
}

TEST(DeadlineQueueTest, InterleavedInsertRemoveAndPopKeepDueThenInsertionOrder) {
  // Equal deadlines around vacant slots: a vacant slot keeps its former
  // place among its equals, so later inserts still queue behind earlier ones.
  Entries e(8);
  DeadlineQueue queue;
  for (std::size_t i = 0; i < 6; ++i) queue.insert(e[i], 10);
  queue.remove(e[1]);
  queue.remove(e[3]);
  queue.insert(e[6], 10);
  queue.insert(e[1], 5);
  EXPECT_EQ(drain(queue, 5), (std::vector<std::size_t>{1}));
  queue.remove(e[0]);
  queue.insert(e[7], 10);
  queue.insert(e[3], 10);
  EXPECT_EQ(drain(queue, 10), (std::vector<std::size_t>{2, 4, 5, 6, 7, 3}));
  EXPECT_TRUE(queue.empty());
}

// Entries set in order go to the run; one far in the future, set first,
// holds the run so that what follows goes to the heap's array.
constexpr std::uint64_t kFar = UINT64_MAX - 1;

TEST(DeadlineQueueTest, InsertsAfterRemovalsReuseVacantRoomBeforeGrowing) {
  Entries e(17);
  DeadlineQueue queue;
  queue.insert(e[16], kFar);
  queue.reserve(8);
  for (std::size_t i = 0; i < 8; ++i) queue.insert(e[i], 100 + i);
  EXPECT_EQ(queue.heap_slots(), 8u);
  // Three vacant slots (not enough to compact on their own), then three
  // inserts into a full array: they take the vacant room.
  queue.remove(e[0]);
  queue.remove(e[2]);
  queue.remove(e[4]);
  EXPECT_EQ(queue.heap_slots(), 8u);
  for (std::size_t i = 8; i < 11; ++i) queue.insert(e[i], i);
  EXPECT_EQ(queue.size(), 9u);
  EXPECT_LE(queue.heap_slots(), 8u);
  EXPECT_EQ(drain(queue, UINT64_MAX), (std::vector<std::size_t>{8, 9, 10, 1, 3, 5, 6, 7, 16}));
}

TEST(DeadlineQueueTest, AFewVacantSlotsInAFullArrayLetItGrowInsteadOfRebuilding) {
  // One remove and one insert at a time at full capacity (a with_timeout
  // loop among many sleepers) must not rebuild the whole array each time.
  Entries e(18);
  DeadlineQueue queue;
  queue.insert(e[17], kFar);
  queue.reserve(16);
  for (std::size_t i = 0; i < 16; ++i) queue.insert(e[i], 100 + i);
  queue.remove(e[5]);  // one vacant slot in sixteen
  queue.insert(e[16], 50);
  EXPECT_EQ(queue.size(), 17u);
  EXPECT_EQ(queue.heap_slots(), 17u);  // grown, the vacant slot still there
  std::vector<std::size_t> expected{16};
  for (std::size_t i = 0; i < 16; ++i)
    if (i != 5) expected.push_back(i);
  expected.push_back(17);
  EXPECT_EQ(drain(queue, UINT64_MAX), expected);
}

// --- the run ------------------------------------------------------------------

TEST(DeadlineQueueTest, DeadlinesSetInOrderGoToTheRunAndLeaveFromItsFront) {
  Entries e(1000);
  DeadlineQueue queue;
  std::vector<std::size_t> expected;
  for (std::size_t i = 0; i < 1000; ++i) {
    queue.insert(e[i], 100 + i / 3);  // in order, with ties
    expected.push_back(i);
  }
  EXPECT_EQ(queue.heap_slots(), 0u);
  EXPECT_EQ(queue.run_slots(), 1000u);
  EXPECT_EQ(queue.size(), 1000u);
  EXPECT_EQ(drain(queue, UINT64_MAX), expected);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.run_slots(), 0u);
}

TEST(DeadlineQueueTest, TheRunAndTheHeapMergeByDueThenInsertionOrder) {
  Entries e(6);
  DeadlineQueue queue;
  queue.insert(e[0], 10);  // run
  queue.insert(e[1], 30);  // run
  queue.insert(e[2], 10);  // heap (earlier than the run's last), equal to e[0]
  queue.insert(e[3], 30);  // run, equal to e[1]
  queue.insert(e[4], 20);  // heap
  queue.insert(e[5], 5);   // heap
  EXPECT_EQ(queue.heap_slots(), 3u);
  EXPECT_EQ(queue.run_slots(), 3u);
  EXPECT_EQ(queue.top(), &e[5]);
  EXPECT_EQ(drain(queue, 10), (std::vector<std::size_t>{5, 0, 2}));
  EXPECT_EQ(drain(queue, UINT64_MAX), (std::vector<std::size_t>{4, 1, 3}));
}

TEST(DeadlineQueueTest, RemovingFromTheRunInDueOrderOrFromItsEndLeavesNoVacantSlots) {
  Entries e(200);
  DeadlineQueue queue;
  for (std::size_t i = 0; i < 200; ++i) queue.insert(e[i], 100 + i);
  // A scope cancelling its sleepers, earliest first.
  for (std::size_t i = 0; i < 100; ++i) {
    queue.remove(e[i]);
    ASSERT_EQ(queue.size(), 199 - i);
    ASSERT_EQ(queue.top(), &e[i + 1]);
  }
  // Timeouts ending before their deadlines, the latest first.
  for (std::size_t i = 199; i >= 150; --i) {
    queue.remove(e[i]);
    ASSERT_EQ(queue.run_slots(), i) << "the run's last slot stays after removing " << i;
  }
  EXPECT_EQ(queue.size(), 50u);
  std::vector<std::size_t> expected;
  for (std::size_t i = 100; i < 150; ++i) expected.push_back(i);
  EXPECT_EQ(drain(queue, UINT64_MAX), expected);
  EXPECT_EQ(queue.run_slots(), 0u);
}

TEST(DeadlineQueueTest, RemovingFromTheMiddleOfTheRunCompactsIt) {
  constexpr std::size_t kEntries = 1000;
  Entries e(kEntries);
  DeadlineQueue queue;
  for (std::size_t i = 0; i < kEntries; ++i) queue.insert(e[i], i);
  // Remove all but every tenth entry, in a scrambled order.
  for (std::size_t k = 0; k < kEntries; ++k) {
    const std::size_t i = (k * 613) % kEntries;
    if (i % 10 == 0) continue;
    queue.remove(e[i]);
    ASSERT_FALSE(e[i].is_queued());
    ASSERT_LE(queue.run_slots(), 2 * queue.size() + 1) << "after removing " << i;
  }
  std::vector<std::size_t> expected;
  for (std::size_t i = 0; i < kEntries; i += 10) expected.push_back(i);
  EXPECT_EQ(drain(queue, UINT64_MAX), expected);
  EXPECT_TRUE(queue.empty());
}

TEST(DeadlineQueueTest, ARunThatNeverEmptiesStaysSmall) {
  // A server's tasks each sleeping the same time over and over: the run
  // always holds a few entries, so it never starts over by emptying, and
  // its consumed slots must be reclaimed as it goes.
  constexpr std::size_t kLive = 10;
  Entries e(kLive);
  DeadlineQueue queue;
  std::uint64_t now = 0;
  for (std::size_t i = 0; i < kLive; ++i) queue.insert(e[i], now + 100 + i);
  for (int round = 0; round < 100'000; ++round) {
    DeadlineEntry* d = queue.pop_due(UINT64_MAX);
    ASSERT_NE(d, nullptr);
    now = d->due_ns;
    queue.insert(*d, now + 100);
    ASSERT_EQ(queue.size(), kLive);
    ASSERT_LE(queue.run_slots(), 128u) << "round " << round;
  }
  EXPECT_EQ(queue.heap_slots(), 0u);
}

TEST(DeadlineQueueTest, ReinsertingAnEntryOfTheRunMovesIt) {
  Entries e(4);
  DeadlineQueue queue;
  for (std::size_t i = 0; i < 4; ++i) queue.insert(e[i], 10 * (i + 1));
  queue.insert(e[1], 50);  // later: to the run's end
  queue.insert(e[3], 5);   // earlier: to the heap
  EXPECT_EQ(queue.size(), 4u);
  EXPECT_EQ(drain(queue, UINT64_MAX), (std::vector<std::size_t>{3, 0, 2, 1}));
}

/// Random inserts, re-inserts, removes and pops, checked against a model
/// ordered by (due, seq) after every operation. A new deadline is `now`
/// plus `base` plus up to `spread`: a narrow spread sets most deadlines in
/// order (the run), a wide one scatters them (the heap).
void check_random_operations(std::uint64_t base, std::uint64_t spread, std::uint64_t seed) {
  constexpr std::size_t kEntries = 2'000;
  constexpr int kOperations = 100'000;
  Entries e(kEntries);
  DeadlineQueue queue;
  // The model orders by (due, seq), as the heap promises; the id rides along.
  using Key = std::pair<std::pair<std::uint64_t, std::uint64_t>, std::size_t>;
  std::multiset<Key> model;
  std::vector<bool> queued(kEntries, false);
  auto key_of = [&](std::size_t i) { return Key{{e[i].due_ns, e[i].seq}, i}; };
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::uint64_t> due_dist(0, spread);
  std::uniform_int_distribution<std::uint64_t> step_dist(0, 10);
  std::uniform_int_distribution<std::size_t> pick(0, kEntries - 1);
  std::uniform_int_distribution<int> op_dist(0, 99);
  std::uint64_t now = 0;
  std::uint64_t popped = 0;
  std::size_t inserts = 0;
  std::size_t inserts_to_run = 0;

  for (int op = 0; op < kOperations; ++op) {
    const int kind = op_dist(rng);
    const std::size_t i = pick(rng);
    if (kind < 45) {  // insert, or re-insert when queued
      if (queued[i]) model.erase(model.find(key_of(i)));
      queue.insert(e[i], now + base + due_dist(rng));
      ++inserts;
      if (e[i].index & DeadlineEntry::kInRun) ++inserts_to_run;
      queued[i] = true;
      model.insert(key_of(i));
    } else if (kind < 75) {  // remove from anywhere (often a no-op)
      if (queued[i]) model.erase(model.find(key_of(i)));
      queue.remove(e[i]);
      queued[i] = false;
    } else {  // advance the clock a little and pop what is due
      now += step_dist(rng);
      while (DeadlineEntry* d = queue.pop_due(now)) {
        ASSERT_FALSE(model.empty());
        const Key expected = *model.begin();
        ASSERT_EQ(Entries::id(d), expected.second) << "operation " << op;
        ASSERT_LE(d->due_ns, now);
        model.erase(model.begin());
        queued[expected.second] = false;
        ++popped;
      }
      ASSERT_TRUE(model.empty() || model.begin()->first.first > now) << "operation " << op;
    }
    ASSERT_EQ(queue.size(), model.size()) << "operation " << op;
    if (model.empty()) {
      ASSERT_EQ(queue.top(), nullptr);
    } else {
      ASSERT_NE(queue.top(), nullptr);
      ASSERT_EQ(Entries::id(queue.top()), model.begin()->second) << "operation " << op;
    }
    ASSERT_EQ(e[i].is_queued(), queued[i]) << "operation " << op;
  }
  EXPECT_GT(popped, 1000u) << "the mix of operations popped too little to test much";
  // Both parts take a good share of the inserts.
  EXPECT_GT(inserts_to_run * 20, inserts) << inserts_to_run << " of " << inserts << " inserts went to the run";
  EXPECT_LT(inserts_to_run * 20, inserts * 19) << inserts_to_run << " of " << inserts << " inserts went to the run";

  // Everything left comes out in the model's order.
  for (const Key& k : model) {
    DeadlineEntry* d = queue.pop_due(UINT64_MAX);
    ASSERT_NE(d, nullptr);
    ASSERT_EQ(Entries::id(d), k.second);
  }
  EXPECT_TRUE(queue.empty());
}

TEST(DeadlineQueueTest, RandomisedOperationsMatchAMultisetModel) {
  // Due times over a narrow range, so that many deadlines are equal.
  check_random_operations(0, 500, 20240611);
}

TEST(DeadlineQueueTest, RandomisedOperationsOnMostlyOrderedDeadlinesMatchAMultisetModel) {
  // One timeout length with a little jitter: the run takes most entries,
  // the heap those set a little out of order.
  check_random_operations(100, 3, 20261124);
}

TEST(DeadlineQueueTest, ReserveLetsLaterInsertsProceed) {
  Entries e(64);
  DeadlineQueue queue;
  queue.reserve(64);
  for (std::size_t i = 0; i < 64; ++i) queue.insert(e[i], 64 - i);
  EXPECT_EQ(Entries::id(queue.top()), 63u);
}

}  // namespace
