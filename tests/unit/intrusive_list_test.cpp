#include "core/intrusive_list.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using lua_batteries::detail::IntrusiveList;
using lua_batteries::detail::ListHook;

struct Item {
  explicit Item(int v) : value(v) {}
  int value;
  ListHook hook;
};

using List = IntrusiveList<Item, &Item::hook>;

std::string contents(const List& list) {
  std::string out;
  list.for_each([&](Item& item) { out += std::to_string(item.value); });
  return out;
}

TEST(IntrusiveList, PopFrontReturnsItemsInPushOrder) {
  Item a(1), b(2), c(3);
  List list;
  list.push_back(a);
  list.push_back(b);
  list.push_back(c);
  EXPECT_EQ(list.pop_front(), &a);
  EXPECT_EQ(list.pop_front(), &b);
  EXPECT_EQ(list.pop_front(), &c);
  EXPECT_EQ(list.pop_front(), nullptr);
  EXPECT_TRUE(list.empty());
}

TEST(IntrusiveList, AnItemLeavesFromTheMiddleWithoutTheList) {
  Item a(1), b(2), c(3);
  List list;
  list.push_back(a);
  list.push_back(b);
  list.push_back(c);
  List::remove(b);
  EXPECT_FALSE(b.hook.is_linked());
  EXPECT_EQ(contents(list), "13");
}

TEST(IntrusiveList, PushingALinkedItemMovesItFromItsOldList) {
  Item a(1), b(2);
  List first, second;
  first.push_back(a);
  first.push_back(b);
  second.push_back(a);
  EXPECT_EQ(contents(first), "2");
  EXPECT_EQ(contents(second), "1");
}

TEST(IntrusiveList, SpliceBackAppendsInOrderAndEmptiesTheSource) {
  Item a(1), b(2), c(3), d(4);
  List list, other;
  list.push_back(a);
  list.push_back(b);
  other.push_back(c);
  other.push_back(d);
  list.splice_back(other);
  EXPECT_TRUE(other.empty());
  EXPECT_EQ(contents(list), "1234");
}

TEST(IntrusiveList, SpliceFrontPrependsInOrderAndEmptiesTheSource) {
  Item a(1), b(2), c(3), d(4);
  List list, other;
  list.push_back(c);
  list.push_back(d);
  other.push_back(a);
  other.push_back(b);
  list.splice_front(other);
  EXPECT_TRUE(other.empty());
  EXPECT_EQ(contents(list), "1234");
  EXPECT_EQ(list.pop_front(), &a);
}

TEST(IntrusiveList, SplicingAnEmptyListChangesNothing) {
  Item a(1);
  List list, empty;
  list.push_back(a);
  list.splice_front(empty);
  list.splice_back(empty);
  EXPECT_EQ(contents(list), "1");
  empty.splice_front(list);
  EXPECT_EQ(contents(empty), "1");
  EXPECT_TRUE(list.empty());
}

TEST(IntrusiveList, ADestroyedItemUnlinksItself) {
  List list;
  Item a(1), c(3);
  list.push_back(a);
  {
    Item b(2);
    list.push_back(b);
    list.push_back(c);
  }
  EXPECT_EQ(contents(list), "13");
}

TEST(IntrusiveList, ForEachToleratesRemovingTheCurrentItem) {
  std::vector<std::unique_ptr<Item>> items;
  List list;
  for (int i = 1; i <= 5; ++i) {
    items.push_back(std::make_unique<Item>(i));
    list.push_back(*items.back());
  }
  list.for_each([](Item& item) {
    if (item.value % 2 == 0) List::remove(item);
  });
  EXPECT_EQ(contents(list), "135");
}

TEST(IntrusiveList, ClearUnlinksEveryItem) {
  Item a(1), b(2);
  List list;
  list.push_back(a);
  list.push_back(b);
  list.clear();
  EXPECT_TRUE(list.empty());
  EXPECT_FALSE(a.hook.is_linked());
  EXPECT_FALSE(b.hook.is_linked());
}

// The runtime's shapes: an element on two lists at once, through a hook
// its base declares (a list of the base type, as the run queue holds
// fibers) and one of its own at a non-zero offset (as a scope holds tasks).
struct Base {
  int base_value = 0;
  ListHook first_hook;
};
struct Derived : Base {
  explicit Derived(int v) { base_value = v; }
  double padding = 0;
  ListHook second_hook;
};

TEST(IntrusiveList, FindsElementsThroughHooksAtAnyOffsetAndInABase) {
  Derived a(1), b(2);
  IntrusiveList<Base, &Base::first_hook> by_first;
  IntrusiveList<Derived, &Derived::second_hook> by_second;
  by_first.push_back(a);
  by_first.push_back(b);
  by_second.push_back(b);
  by_second.push_back(a);
  EXPECT_EQ(by_first.pop_front(), static_cast<Base*>(&a));
  EXPECT_EQ(by_second.pop_front(), &b);
  EXPECT_EQ(by_first.pop_front(), static_cast<Base*>(&b));
  EXPECT_EQ(by_second.pop_front(), &a);
  EXPECT_EQ(lua_batteries::detail::member_offset(&Derived::second_hook),
            reinterpret_cast<char*>(&a.second_hook) - reinterpret_cast<char*>(&a));
}

}  // namespace
