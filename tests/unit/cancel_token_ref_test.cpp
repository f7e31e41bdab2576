// CancelTokenRef, the host's owning reference to a cancel token: copies
// share the token, moves hand it over, and every reference is released
// (the fixture's TearDown counts live tokens).
#include <gtest/gtest.h>

#include <utility>

#include "host_fixture.hpp"

namespace host_test {
namespace {

using CancelTokenRefTest = HostTest;

TEST_F(CancelTokenRefTest, AMovedReferenceKeepsTheTokenAndLeavesTheSourceEmpty) {
  install();
  lb::CancelTokenRef a = lb::effective_token(L_);
  ASSERT_TRUE(a);
  const auto tokens = lb::detail::CancelToken::live_count();
  lb::CancelTokenRef b = std::move(a);
  EXPECT_FALSE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(lb::detail::CancelToken::live_count(), tokens);
  lb::CancelTokenRef c;
  c = std::move(b);
  EXPECT_FALSE(b);
  ASSERT_TRUE(c);
  c.cancel();
  EXPECT_TRUE(c.is_cancelled());
  EXPECT_FALSE(a.is_cancelled()) << "an empty reference reports no cancellation";
}

TEST_F(CancelTokenRefTest, ACopySharesTheTokenAndOutlivesTheLuaState) {
  install();
  lb::CancelTokenRef copy;
  {
    const lb::CancelTokenRef original = lb::effective_token(L_);
    copy = original;
    copy = copy;  // self-assignment keeps the reference
    lb::CancelTokenRef second(original);
    second.cancel();
    EXPECT_TRUE(original.is_cancelled());
  }
  EXPECT_TRUE(copy.is_cancelled());
  lua_close(L_);
  L_ = nullptr;
  EXPECT_TRUE(copy.is_cancelled()) << "the token lives while a reference does";
}

}  // namespace
}  // namespace host_test
