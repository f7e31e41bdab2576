// Tests of the cancel token tree (src/core/cancel_token.hpp): cancellation
// reaches every descendant once, never climbs, and the reference counting
// frees whole chains without recursion.
#include "core/cancel_token.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace {

using lua_batteries::detail::CancelToken;
using lua_batteries::detail::CancelWaiter;
using lua_batteries::detail::container_of;
using lua_batteries::detail::TokenRef;

/// A waiter that counts its wake-ups.
struct CountingWaiter {
  CountingWaiter() : waiter(&CountingWaiter::on_wake) {}
  static void on_wake(CancelWaiter& w) { ++container_of(w, &CountingWaiter::waiter).wakes; }

  CancelWaiter waiter;
  int wakes = 0;
};

/// Every test checks that it freed every token it made.
class CancelTokenTest : public ::testing::Test {
 protected:
  void SetUp() override { live_at_start_ = CancelToken::live_count(); }
  void TearDown() override { EXPECT_EQ(CancelToken::live_count(), live_at_start_) << "a token leaked"; }

  static TokenRef child_of(const TokenRef& parent) { return TokenRef::adopt(CancelToken::create(parent.get())); }
  static TokenRef new_root() { return TokenRef::adopt(CancelToken::create(nullptr)); }

  std::uint64_t live_at_start_ = 0;
};

TEST_F(CancelTokenTest, ANewTokenIsNotCancelledAndHasOneReference) {
  TokenRef root = new_root();
  EXPECT_FALSE(root->is_cancelled());
  EXPECT_EQ(root->ref_count(), 1u);
  EXPECT_EQ(root->parent(), nullptr);
  EXPECT_EQ(CancelToken::live_count(), live_at_start_ + 1);
}

TEST_F(CancelTokenTest, CancelReachesEveryDescendantAndNotifiesEachWaiterOnce) {
  // A tree of fan-out 3 and depth 4 (1 + 3 + 9 + 27 tokens), one waiter
  // on every token and two on the root.
  TokenRef root = new_root();
  std::vector<TokenRef> tokens;
  std::vector<CancelToken*> level{root.get()};
  for (int depth = 0; depth < 3; ++depth) {
    std::vector<CancelToken*> next;
    for (CancelToken* parent : level) {
      for (int i = 0; i < 3; ++i) {
        tokens.push_back(TokenRef::adopt(CancelToken::create(parent)));
        next.push_back(tokens.back().get());
      }
    }
    level = next;
  }
  ASSERT_EQ(tokens.size(), 39u);
  std::vector<std::unique_ptr<CountingWaiter>> waiters;
  auto watch = [&](CancelToken* token) {
    waiters.push_back(std::make_unique<CountingWaiter>());
    token->add_waiter(waiters.back()->waiter);
  };
  watch(root.get());
  watch(root.get());
  for (const TokenRef& t : tokens) watch(t.get());

  root->cancel();
  EXPECT_TRUE(root->is_cancelled());
  for (const TokenRef& t : tokens) EXPECT_TRUE(t->is_cancelled());
  for (const auto& w : waiters) {
    EXPECT_EQ(w->wakes, 1);
    EXPECT_FALSE(w->waiter.is_registered()) << "a notified waiter stays registered";
  }

  root->cancel();  // idempotent: nobody is notified again
  for (const auto& w : waiters) EXPECT_EQ(w->wakes, 1);
}

TEST_F(CancelTokenTest, ACancelledTokenStaysCancelled) {
  TokenRef root = new_root();
  root->cancel();
  root->cancel();
  EXPECT_TRUE(root->is_cancelled());
}

TEST_F(CancelTokenTest, AChildOfACancelledTokenStartsCancelled) {
  TokenRef root = new_root();
  TokenRef middle = child_of(root);
  root->cancel();
  TokenRef late_child = child_of(root);
  TokenRef late_grandchild = child_of(middle);
  EXPECT_TRUE(late_child->is_cancelled());
  EXPECT_TRUE(late_grandchild->is_cancelled());
}

TEST_F(CancelTokenTest, AChildCreatedBeforeTheCancelIsCancelledWithItsParent) {
  TokenRef root = new_root();
  TokenRef child = child_of(root);
  TokenRef grandchild = child_of(child);
  EXPECT_FALSE(grandchild->is_cancelled());
  child->cancel();
  EXPECT_TRUE(grandchild->is_cancelled());
}

TEST_F(CancelTokenTest, CancellingAChildDoesNotTouchItsParentOrSiblings) {
  TokenRef root = new_root();
  TokenRef left = child_of(root);
  TokenRef middle = child_of(root);
  TokenRef right = child_of(root);
  TokenRef middle_child = child_of(middle);
  TokenRef left_child = child_of(left);
  CountingWaiter on_root, on_left, on_right, on_left_child, on_middle_child;
  root->add_waiter(on_root.waiter);
  left->add_waiter(on_left.waiter);
  right->add_waiter(on_right.waiter);
  left_child->add_waiter(on_left_child.waiter);
  middle_child->add_waiter(on_middle_child.waiter);

  middle->cancel();

  EXPECT_TRUE(middle->is_cancelled());
  EXPECT_TRUE(middle_child->is_cancelled());
  EXPECT_EQ(on_middle_child.wakes, 1);
  EXPECT_FALSE(root->is_cancelled());
  EXPECT_FALSE(left->is_cancelled());
  EXPECT_FALSE(right->is_cancelled());
  EXPECT_FALSE(left_child->is_cancelled());
  EXPECT_EQ(on_root.wakes, 0);
  EXPECT_EQ(on_left.wakes, 0);
  EXPECT_EQ(on_right.wakes, 0);
  EXPECT_EQ(on_left_child.wakes, 0);
  EXPECT_TRUE(on_root.waiter.is_registered());
  EXPECT_TRUE(on_left_child.waiter.is_registered());
}

TEST_F(CancelTokenTest, CancellingTheFirstOrLastSiblingSparesTheOthers) {
  // The sibling links are updated at both ends of the list.
  TokenRef root = new_root();
  TokenRef a = child_of(root);
  TokenRef b = child_of(root);
  TokenRef c = child_of(root);
  a->cancel();
  EXPECT_FALSE(b->is_cancelled());
  EXPECT_FALSE(c->is_cancelled());
  c->cancel();
  EXPECT_FALSE(b->is_cancelled());
  EXPECT_FALSE(root->is_cancelled());
  root->cancel();
  EXPECT_TRUE(b->is_cancelled());
}

TEST_F(CancelTokenTest, AStandaloneTokenIsNotReachedByAnotherTreesCancel) {
  TokenRef one = new_root();
  TokenRef other = new_root();
  TokenRef other_child = child_of(other);
  one->cancel();
  EXPECT_FALSE(other->is_cancelled());
  EXPECT_FALSE(other_child->is_cancelled());
}

TEST_F(CancelTokenTest, WaitersUnregisteredBeforeTheCancelAreNotCalled) {
  TokenRef root = new_root();
  TokenRef child = child_of(root);
  CountingWaiter stays, leaves, leaves_child;
  root->add_waiter(stays.waiter);
  root->add_waiter(leaves.waiter);
  child->add_waiter(leaves_child.waiter);
  leaves.waiter.unregister();
  leaves_child.waiter.unregister();
  EXPECT_FALSE(leaves.waiter.is_registered());

  root->cancel();
  EXPECT_EQ(stays.wakes, 1);
  EXPECT_EQ(leaves.wakes, 0);
  EXPECT_EQ(leaves_child.wakes, 0);
}

TEST_F(CancelTokenTest, AWaiterRegisteredOnAnotherTokenMovesThere) {
  TokenRef first = new_root();
  TokenRef second = new_root();
  CountingWaiter w;
  first->add_waiter(w.waiter);
  second->add_waiter(w.waiter);  // leaves `first`
  first->cancel();
  EXPECT_EQ(w.wakes, 0);
  second->cancel();
  EXPECT_EQ(w.wakes, 1);
}

TEST_F(CancelTokenTest, AWaiterDestroyedBeforeTheCancelIsNotCalled) {
  TokenRef root = new_root();
  CountingWaiter survivor;
  {
    CountingWaiter gone;
    root->add_waiter(gone.waiter);
    root->add_waiter(survivor.waiter);
  }
  root->cancel();  // must not touch the destroyed waiter
  EXPECT_EQ(survivor.wakes, 1);
}

TEST_F(CancelTokenTest, AWakeCallbackMayUnregisterAnotherWaiterOfTheSameToken) {
  // A woken fiber may take another fiber's wait down with it.
  struct Pair {
    CancelWaiter first{&Pair::wake_first};
    CancelWaiter second{&Pair::wake_second};
    int first_wakes = 0;
    int second_wakes = 0;
    static void wake_first(CancelWaiter& w) {
      Pair& p = container_of(w, &Pair::first);
      ++p.first_wakes;
      p.second.unregister();
    }
    static void wake_second(CancelWaiter& w) { ++container_of(w, &Pair::second).second_wakes; }
  };
  TokenRef root = new_root();
  Pair pair;
  root->add_waiter(pair.first);
  root->add_waiter(pair.second);
  root->cancel();
  EXPECT_EQ(pair.first_wakes, 1);
  EXPECT_EQ(pair.second_wakes, 0);
}

TEST_F(CancelTokenTest, AWakeCallbackMayCreateAChildOfTheCancellingToken) {
  // Cancel runs callbacks mid-walk; a token created then starts cancelled.
  struct Spawner {
    CancelWaiter waiter{&Spawner::wake};
    CancelToken* parent = nullptr;
    TokenRef made;
    static void wake(CancelWaiter& w) {
      Spawner& s = container_of(w, &Spawner::waiter);
      s.made = TokenRef::adopt(CancelToken::create(s.parent));
    }
  };
  TokenRef root = new_root();
  Spawner spawner;
  spawner.parent = root.get();
  root->add_waiter(spawner.waiter);
  root->cancel();
  ASSERT_TRUE(spawner.made);
  EXPECT_TRUE(spawner.made->is_cancelled());
}

TEST_F(CancelTokenTest, ATenThousandDeepChainCancelsAndFreesWithoutRecursion) {
  constexpr int kDepth = 10'000;
  TokenRef root = new_root();
  // Each level is kept alive only by its child; the test holds the root
  // and the leaf.
  CancelToken* parent = root.get();
  for (int i = 0; i < kDepth; ++i) {
    CancelToken* child = CancelToken::create(parent);
    if (parent != root.get()) parent->release();
    parent = child;
  }
  TokenRef leaf = TokenRef::adopt(parent);
  CountingWaiter at_leaf;
  leaf->add_waiter(at_leaf.waiter);
  EXPECT_EQ(CancelToken::live_count(), live_at_start_ + kDepth + 1);

  root->cancel();
  EXPECT_TRUE(leaf->is_cancelled());
  EXPECT_EQ(at_leaf.wakes, 1);

  root.reset();  // still held by the chain
  EXPECT_EQ(CancelToken::live_count(), live_at_start_ + kDepth + 1);
  leaf.reset();  // frees the whole chain
  EXPECT_EQ(CancelToken::live_count(), live_at_start_);
}

TEST_F(CancelTokenTest, AMillionDeepChainCancelsAndFreesWithoutRecursion) {
  // Deep enough that a recursive walk or release would overflow the stack.
  constexpr int kDepth = 1'000'000;
  CancelToken* root = CancelToken::create(nullptr);
  CancelToken* parent = root;
  for (int i = 0; i < kDepth; ++i) {
    CancelToken* child = CancelToken::create(parent);
    if (parent != root) parent->release();
    parent = child;
  }
  CancelToken* leaf = parent;
  root->cancel();
  EXPECT_TRUE(leaf->is_cancelled());
  root->release();
  leaf->release();
  EXPECT_EQ(CancelToken::live_count(), live_at_start_);
}

TEST_F(CancelTokenTest, AChildKeepsItsParentAliveUntilTheLastChildGoes) {
  CancelToken* root = CancelToken::create(nullptr);
  CancelToken* a = CancelToken::create(root);
  CancelToken* b = CancelToken::create(root);
  EXPECT_EQ(root->ref_count(), 3u);
  EXPECT_EQ(a->parent(), root);
  root->release();
  EXPECT_EQ(CancelToken::live_count(), live_at_start_ + 3);
  a->release();
  EXPECT_EQ(CancelToken::live_count(), live_at_start_ + 2) << "the parent went with its first child";
  EXPECT_EQ(root->ref_count(), 1u);
  // The remaining child still reaches its parent, and cancels with it.
  EXPECT_EQ(b->parent(), root);
  root->cancel();  // (b's reference is the one keeping root alive)
  EXPECT_TRUE(b->is_cancelled());
  b->release();
  EXPECT_EQ(CancelToken::live_count(), live_at_start_);
}

TEST_F(CancelTokenTest, AFreedChildIsNoLongerReachedByItsParentsCancel) {
  // Unlinking a released child keeps the sibling list intact: cancelling
  // the parent afterwards visits only the children that are left.
  TokenRef root = new_root();
  TokenRef first = child_of(root);
  TokenRef gone_middle = child_of(root);
  TokenRef last = child_of(root);
  CountingWaiter on_first, on_last;
  first->add_waiter(on_first.waiter);
  last->add_waiter(on_last.waiter);
  gone_middle.reset();
  EXPECT_EQ(CancelToken::live_count(), live_at_start_ + 3);
  root->cancel();
  EXPECT_EQ(on_first.wakes, 1);
  EXPECT_EQ(on_last.wakes, 1);
}

TEST_F(CancelTokenTest, FreeingATokenUnregistersItsWaiters) {
  CountingWaiter w;
  {
    TokenRef root = new_root();
    root->add_waiter(w.waiter);
    EXPECT_TRUE(w.waiter.is_registered());
  }
  EXPECT_FALSE(w.waiter.is_registered());
  EXPECT_EQ(w.wakes, 0);
}

TEST_F(CancelTokenTest, TokenRefSharesAdoptsAndMovesReferences) {
  TokenRef a = new_root();
  CancelToken* raw = a.get();
  EXPECT_EQ(raw->ref_count(), 1u);
  {
    TokenRef b = TokenRef::share(raw);
    EXPECT_EQ(raw->ref_count(), 2u);
    TokenRef c = std::move(b);
    EXPECT_FALSE(b);
    EXPECT_EQ(c.get(), raw);
    EXPECT_EQ(raw->ref_count(), 2u);
    TokenRef d;
    d = std::move(c);
    EXPECT_EQ(raw->ref_count(), 2u);
  }
  EXPECT_EQ(raw->ref_count(), 1u);
  TokenRef empty = TokenRef::share(nullptr);
  EXPECT_FALSE(empty);
  a = std::move(empty);  // releases the last reference
  EXPECT_FALSE(a);
  EXPECT_EQ(CancelToken::live_count(), live_at_start_);
}

}  // namespace
